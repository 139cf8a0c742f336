import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** pre-restore: taken of the cluster a restore is about to replace */
export type SnapshotTrigger = 'scheduled' | 'manual' | 'pre-restore';
export type SnapshotState = 'pending' | 'completed' | 'failed';

const bigintNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/**
 * An etcd snapshot taken by the server: the bolt database (checked against etcd's own checksum
 * on receipt) is kept sealed in the snapshot store under `storageKey`; `data` holds only those
 * taken before the store existed (plain, until `npm run rewrap` moves them).
 */
@Entity('etcd_snapshots')
export class EtcdSnapshot {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id' }) environmentId: string;
  @Column('text') trigger: SnapshotTrigger;
  @Column('text') state: SnapshotState;
  @Column('text', { nullable: true }) message: string | null;
  @Column('bigint', { name: 'size_bytes', nullable: true, transformer: bigintNumber }) sizeBytes: number | null;
  /** hex SHA-256 of the database (before sealing) */
  @Column('text', { nullable: true }) sha256: string | null;
  @Column('bigint', { name: 'etcd_revision', nullable: true, transformer: bigintNumber }) etcdRevision: number | null;
  /** the member (client URL) that streamed it */
  @Column('text', { name: 'etcd_member', nullable: true }) etcdMember: string | null;
  @Column('bytea', { nullable: true, select: false }) data: Buffer | null;
  @Column('text', { name: 'storage_key', nullable: true }) storageKey: string | null;
  /** the ring key that sealed the stored object */
  @Column('text', { name: 'sealed_key_id', nullable: true }) sealedKeyId: string | null;
  /** keys in etcd when it was taken */
  @Column('int', { name: 'key_count', nullable: true }) keyCount: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
}
