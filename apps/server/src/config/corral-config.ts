import type { LimitsConfig } from './load-limits-config';

export type ServerRole = 'api' | 'worker' | 'all';

/** Every setting the server reads, validated once at boot. Nothing else reads process.env. */
export interface CorralConfig {
  databaseUrl: string;
  /** PostgreSQL schema holding Corral's tables (tests isolate by schema) */
  databaseSchema: string;
  /** PostgreSQL connections this process keeps at most (every agent heartbeat takes one briefly) */
  databasePoolSize: number;
  redisUrl: string;
  /** prefix of every Redis key, queue and channel (tests isolate by prefix) */
  redisPrefix: string;
  port: number;
  bindAddress: string;
  /** keys sealing secrets at rest, newest first (CORRAL_SECRET_KEYS, then CORRAL_SECRET_KEY): new values use the first */
  secretKeys: string[];
  adminKey: string | null;
  /** where a generated bootstrap admin key is written (mode 0600), embedded mode only */
  adminKeyFile: string | null;
  role: ServerRole;
  hostDisconnectedAfterMs: number;
  hostLostAfterMs: number;
  sweepIntervalMs: number;
  /** share (0..1) of an environment's hosts that may be lost at once before repairs stop (MachineHealthCheck maxUnhealthy) */
  maxUnhealthyHosts: number;
  /** scheduled etcd snapshots: interval and how many scheduled ones to keep per environment */
  etcdSnapshotIntervalMs: number;
  etcdSnapshotKeep: number;
  /** where snapshot objects are kept (sealed): a directory, or an S3-compatible bucket */
  snapshotStore: SnapshotStoreConfig;
  /** a restore still running this long after it was asked for fails (CORRAL_RESTORE_TIMEOUT) */
  restoreTimeoutMs: number;
  /** a deleted environment's row and snapshots are kept this long, then purged (CORRAL_DELETED_RETENTION) */
  deletedRetentionMs: number;
  /** every component's health probe: seconds between probes, and failures in a row before its agent restarts it */
  probeIntervalSeconds: number;
  probeFailureThreshold: number;
  /** where every host's CoreDNS sends names outside the cluster (ip or ip:port); empty: the host's /etc/resolv.conf */
  dnsUpstreams: string[];
  /** a tools/images output directory (images.json + archives) imported at start as 'bundled' images, or null */
  imageDir: string | null;
  /** the largest image archive POST /v1/images takes */
  imageMaxSizeBytes: number;
  logLevel: string;
  /** HTTPS when set (CORRAL_TLS_CERT_FILE / CORRAL_TLS_KEY_FILE, CORRAL_TLS_CA_FILE optional) */
  tls: { certFile: string; keyFile: string; caFile: string | null } | null;
  /** the URL clients reach this server at (CORRAL_PUBLIC_URL), for kubeconfigs and registration commands; null: as the request came */
  publicUrl: string | null;
  /** fair use, retention, the agent protocol's own database pool, the metrics port */
  limits: LimitsConfig;
}

export type SnapshotStoreConfig =
  | { kind: 'filesystem'; dir: string }
  | { kind: 's3'; endpoint: string; bucket: string; region: string; accessKeyId: string; secretAccessKey: string; prefix: string; caFile: string | null };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}
