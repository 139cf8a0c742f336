import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One Idempotency-Key of one caller: the request it was first used with and, once done, the answer. */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryColumn('text', { name: 'principal_id' }) principalId: string;
  @PrimaryColumn('text') key: string;
  @Column('text', { name: 'request_hash' }) requestHash: string;
  @Column('text') state: 'in-flight' | 'done';
  @Column('int', { name: 'response_status', nullable: true }) responseStatus: number | null;
  /** the answer's JSON text, replayed byte for byte */
  @Column('text', { name: 'response_body', nullable: true }) responseBody: string | null;
  /** while in flight: after this, a retry may take over (the first handler died) */
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}
