import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SnapshotTrigger = 'scheduled' | 'manual';
export type SnapshotState = 'pending' | 'completed' | 'failed';

const bigintNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/** An etcd snapshot stored by the server (the bolt database, checked against etcd's own checksum on receipt). */
@Entity('etcd_snapshots')
export class EtcdSnapshot {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id' }) environmentId: string;
  @Column('text') trigger: SnapshotTrigger;
  @Column('text') state: SnapshotState;
  @Column('text', { nullable: true }) message: string | null;
  @Column('bigint', { name: 'size_bytes', nullable: true, transformer: bigintNumber }) sizeBytes: number | null;
  /** hex SHA-256 of `data` */
  @Column('text', { nullable: true }) sha256: string | null;
  @Column('bigint', { name: 'etcd_revision', nullable: true, transformer: bigintNumber }) etcdRevision: number | null;
  /** the member (client URL) that streamed it */
  @Column('text', { name: 'etcd_member', nullable: true }) etcdMember: string | null;
  @Column('bytea', { nullable: true, select: false }) data: Buffer | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
}
