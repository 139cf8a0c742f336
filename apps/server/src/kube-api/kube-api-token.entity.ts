import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { KubeAccess } from '@corral/domain';

/** A kubeconfig token for one environment's Kubernetes API through the server. */
@Entity('kube_api_tokens')
export class KubeApiToken {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'api_key_id' }) apiKeyId: string;
  @Column('uuid', { name: 'environment_id' }) environmentId: string;
  @Column('text', { name: 'secret_hash', select: false }) secretHash: string;
  @Column('text') access: KubeAccess;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'expires_at' }) expiresAt: Date;
}
