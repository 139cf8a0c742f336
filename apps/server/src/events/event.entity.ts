import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type EventType = 'Normal' | 'Warning';

/** One entry of the timeline of environments, hosts and components: audit log and progress stream. */
@Entity('events')
export class CorralEvent {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column('uuid', { name: 'environment_id', nullable: true }) environmentId: string | null;
  @Column('uuid', { name: 'host_id', nullable: true }) hostId: string | null;
  @Column('text', { nullable: true }) component: string | null;
  @Column('text') type: EventType;
  @Column('text') reason: string;
  @Column('text') message: string;
  /** a component's event: how many times its reason occurred, counting those pruned past the repeat cap */
  @Column('int', { name: 'repeat_count', default: 1 }) repeatCount: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
