import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Condition, EnvironmentState, IngressScaleRequest } from '@corral/domain';

export interface Networking {
  clusterCidr: string;
  serviceCidr: string;
  clusterDomain: string;
  dnsServiceIp: string;
}

@Entity('environments')
export class Environment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text', { name: 'kubernetes_version' }) kubernetesVersion: string;
  @Column('text') state: EnvironmentState;
  @Column('text', { name: 'state_reason', nullable: true }) stateReason: string | null;
  @Column('jsonb', { default: () => "'[]'" }) conditions: Condition[];
  @Column('jsonb', { default: () => "'{}'" }) labels: Record<string, string>;
  @Column('jsonb') networking: Networking;
  @Column('int', { name: 'etcd_members' }) etcdMembers: number;
  /** pool the environment's hosts are claimed from (null: hosts register to the environment itself) */
  @Column('text', { name: 'host_pool', nullable: true }) hostPool: string | null;
  @Column('int', { name: 'host_count', nullable: true }) hostCount: number | null;
  @Column('text', { name: 'host_label_selector', nullable: true }) hostLabelSelector: string | null;
  /** created with too few idle hosts: claims them as they free up */
  @Column('boolean', { name: 'wait_for_hosts', default: false }) waitForHosts: boolean;
  @Column('int', { name: 'ttl_seconds', nullable: true }) ttlSeconds: number | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('int') generation: number;
  @Column('int', { name: 'observed_generation' }) observedGeneration: number;
  /** soonest notAfter of any certificate of the environment */
  @Column('timestamptz', { name: 'certificates_expire_at', nullable: true }) certificatesExpireAt: Date | null;
  /** what the environment's Ingresses last asked for (corral.dev/scale), as the ingress-scale-check read them; null until read */
  @Column('jsonb', { name: 'ingress_demand', nullable: true }) ingressDemand: IngressScaleRequest[] | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt: Date | null;
}
