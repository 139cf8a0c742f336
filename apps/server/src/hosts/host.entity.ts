import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { HostRole } from '@corral/contracts';
import type { HostState } from '@corral/domain';

@Entity('hosts')
export class Host {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id', nullable: true }) environmentId: string | null;
  @Column('text', { nullable: true }) pool: string | null;
  @Column('text') hostname: string;
  @Column('text', { array: true }) addresses: string[];
  @Column('jsonb', { default: () => "'{}'" }) labels: Record<string, string>;
  @Column('text', { array: true }) roles: HostRole[];
  @Column('text', { name: 'agent_version', nullable: true }) agentVersion: string | null;
  @Column('text') state: HostState;
  @Column('timestamptz', { name: 'last_heartbeat_at', nullable: true }) lastHeartbeatAt: Date | null;
  /** set by the database whenever `state` changes */
  @Column({ type: 'timestamptz', name: 'state_changed_at', insert: false, update: false }) stateChangedAt: Date;
  @Column('text', { name: 'credential_hash', select: false }) credentialHash: string;
  @Column('uuid', { name: 'registration_token_id', nullable: true }) registrationTokenId: string | null;
  /** SHA-256 of the agent's registration id: a retried registration (lost answer) finds its host */
  @Column('text', { name: 'registration_key_hash', nullable: true, select: false }) registrationKeyHash: string | null;
  /** shared its hostname with another live host before names became unique (migration 1764400000000) */
  @Column('boolean', { name: 'hostname_shared', default: false }) hostnameShared: boolean;
  @Column('bigint', { name: 'desired_revision', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  desiredRevision: number;
  @Column('bigint', { name: 'observed_revision', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  observedRevision: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
