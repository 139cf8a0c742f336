import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ComponentPhase } from '@corral/contracts';

/** What the host's agent last reported about one of its components (observed state). */
@Entity('component_statuses')
export class ComponentStatus {
  @PrimaryColumn('uuid', { name: 'host_id' }) hostId: string;
  @PrimaryColumn('text') name: string;
  @Column('text', { name: 'spec_hash' }) specHash: string;
  @Column('text') phase: ComponentPhase;
  @Column('boolean') healthy: boolean;
  @Column('int') restarts: number;
  @Column('int', { nullable: true }) pid: number | null;
  @Column('int', { name: 'exit_code', nullable: true }) exitCode: number | null;
  @Column('text', { nullable: true }) message: string | null;
  @Column('boolean', { name: 'crash_loop', default: false }) crashLoop: boolean;
  @Column('jsonb', { name: 'last_log_lines', default: () => "'[]'" }) lastLogLines: string[];
  @Column('timestamptz') since: Date;
  @Column('timestamptz', { name: 'reported_at' }) reportedAt: Date;
}
