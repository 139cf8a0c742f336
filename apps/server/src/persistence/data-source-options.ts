import type { DataSourceOptions } from 'typeorm';
import { ApiKey } from '../auth/api-key.entity';
import { Environment } from '../environments/environment.entity';
import { RegistrationToken } from '../registration-tokens/registration-token.entity';
import { Host } from '../hosts/host.entity';
import { Component } from '../components/component.entity';
import { ComponentStatus } from '../components/component-status.entity';
import { CorralEvent } from '../events/event.entity';
import { EtcdSnapshot } from '../snapshots/etcd-snapshot.entity';
import { EtcdRestore } from '../snapshots/etcd-restore.entity';
import { InitialSchema1764140000000 } from './migrations/1764140000000-initial-schema';
import { CertificateExpiry1764150000000 } from './migrations/1764150000000-certificate-expiry';
import { MonitoringAndEtcdSnapshots1764180000000 } from './migrations/1764180000000-monitoring-and-etcd-snapshots';
import { HostPoolsAndIdempotency1764170000000 } from './migrations/1764170000000-host-pools-and-idempotency';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { Image } from '../images/image.entity';
import { Images1764190000000 } from './migrations/1764190000000-images';
import { KubeApiTokens1764200000000 } from './migrations/1764200000000-kube-api-tokens';
import { KubeApiToken } from '../kube-api/kube-api-token.entity';
import { HostIdentity1764400000000 } from './migrations/1764400000000-host-identity';
import { EventRetention1764410000000 } from './migrations/1764410000000-event-retention';
import { IngressDemand1764415000000 } from './migrations/1764415000000-ingress-demand';
import { SealedSnapshotStore1764300000000 } from './migrations/1764300000000-sealed-snapshot-store';
import { RestoreSafety1764310000000 } from './migrations/1764310000000-restore-safety';
import { DeletedEnvironmentRetention1764320000000 } from './migrations/1764320000000-deleted-environment-retention';
import { CaRotations1764420000000 } from './migrations/1764420000000-ca-rotations';

export const ENTITIES = [ApiKey, Environment, RegistrationToken, Host, Component, ComponentStatus, CorralEvent, IdempotencyKey, EtcdSnapshot, EtcdRestore, Image, KubeApiToken];
export const MIGRATIONS = [InitialSchema1764140000000, CertificateExpiry1764150000000, HostPoolsAndIdempotency1764170000000, MonitoringAndEtcdSnapshots1764180000000, Images1764190000000, KubeApiTokens1764200000000, SealedSnapshotStore1764300000000, RestoreSafety1764310000000, DeletedEnvironmentRetention1764320000000, HostIdentity1764400000000, EventRetention1764410000000, IngressDemand1764415000000, CaRotations1764420000000];

/** One definition of the database connection, shared by the server and the migration CLI. */
export function dataSourceOptions(databaseUrl: string, schema: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    schema,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'corral_migrations',
    synchronize: false,
    migrationsRun: false,
    // every connection of the pool resolves unqualified names in Corral's schema
    extra: { options: `-c search_path=${schema}`, max: poolSize },
  };
}
