import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type RestorePhase = 'starting-etcd' | 'completed' | 'failed' | 'cancelled';
export const ACTIVE_RESTORE_PHASES: RestorePhase[] = ['starting-etcd'];

/**
 * A restore of a snapshot into a fresh etcd cluster. `generation` names that cluster (its
 * initial-cluster-token and data directory), so each restore starts from empty data.
 */
@Entity('etcd_restores')
export class EtcdRestore {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id' }) environmentId: string;
  @Column('uuid', { name: 'snapshot_id', nullable: true }) snapshotId: string | null;
  @Column('int') generation: number;
  @Column('text') phase: RestorePhase;
  @Column('text', { nullable: true }) message: string | null;
  @Column('int', { name: 'keys_restored', nullable: true }) keysRestored: number | null;
  /** the snapshot taken of the cluster this restore replaces, before anything is stopped */
  @Column('uuid', { name: 'pre_restore_snapshot_id', nullable: true }) preRestoreSnapshotId: string | null;
  /** a restore still active then fails (RestoreTimedOut); null for restores begun before deadlines */
  @Column('timestamptz', { name: 'deadline_at', nullable: true }) deadlineAt: Date | null;
  /** set by POST .../restores/{id}/cancel; the next restore step ends the restore as 'cancelled' */
  @Column('timestamptz', { name: 'cancel_requested_at', nullable: true }) cancelRequestedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
}
