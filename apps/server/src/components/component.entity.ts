import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ComponentSpec } from '@corral/contracts';

/** A component the server wants running on a host (desired state). */
@Entity('components')
export class Component {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id', nullable: true }) environmentId: string | null;
  @Column('uuid', { name: 'host_id' }) hostId: string;
  @Column('text') name: string;
  @Column('text') kind: string;
  @Column('jsonb') spec: ComponentSpec;
  @Column('text', { name: 'spec_hash' }) specHash: string;
  @Column('int') generation: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
