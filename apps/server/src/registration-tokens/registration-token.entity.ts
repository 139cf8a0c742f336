import type { HostRole } from '@corral/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('registration_tokens')
export class RegistrationToken {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'environment_id', nullable: true }) environmentId: string | null;
  @Column('text', { nullable: true }) pool: string | null;
  @Column('text', { name: 'secret_hash', select: false }) secretHash: string;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('int', { name: 'max_uses', nullable: true }) maxUses: number | null;
  @Column('int') uses: number;
  /** the roles hosts registering with it may take; null: any */
  @Column('text', { array: true, nullable: true }) roles: HostRole[] | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
