import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ImageSource } from '@corral/contracts';

const bigintNumber = { to: (v: number) => v, from: (v: string) => Number(v) };

/**
 * An OCI image archive kept for the hosts' containerd. Its bytes are in image_chunks (see the
 * migration); `sha256` is of the whole archive, as uploaded.
 */
@Entity('images')
export class Image {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** the archive's io.containerd.image.name; one image per name */
  @Column('text') name: string;
  @Column('text') sha256: string;
  @Column('bigint', { name: 'size_bytes', transformer: bigintNumber }) sizeBytes: number;
  @Column('text', { name: 'manifest_digest' }) manifestDigest: string;
  @Column('text') source: ImageSource;
  @Column('int', { name: 'chunk_count' }) chunkCount: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
