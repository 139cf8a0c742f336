import { join, resolve } from 'node:path';
import { parseDuration } from '@corral/domain';
import { ConfigError, CorralConfig, ServerRole, SnapshotStoreConfig } from './corral-config';
import { parseByteSize } from '@corral/domain';
import { loadLimitsConfig } from './load-limits-config';

const ROLES: ServerRole[] = ['api', 'worker', 'all'];
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads and validates the server's configuration from an environment map. Every problem is
 * collected and reported at once, each naming its variable.
 */
export function loadConfig(env: Record<string, string | undefined>, argv: string[] = []): CorralConfig {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback === undefined) problems.push(`${name} is required`);
    return fallback ?? '';
  };
  const url = (name: string, protocols: string[], fallback?: string): string => {
    const value = str(name, fallback);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) problems.push(`${name} must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const value = str(name, fallback);
    try {
      const ms = parseDuration(value);
      if (ms <= 0) problems.push(`${name} must be a positive duration such as 15s`);
      return ms;
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return 0;
    }
  };

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const databaseSchema = str('CORRAL_DB_SCHEMA', 'public');
  if (!SCHEMA_NAME.test(databaseSchema)) problems.push('CORRAL_DB_SCHEMA must be a lower-case SQL identifier');
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379');
  const redisPrefix = str('CORRAL_REDIS_PREFIX', 'corral');
  if (!/^[A-Za-z0-9_.-]+$/.test(redisPrefix)) problems.push('CORRAL_REDIS_PREFIX may hold only letters, digits, _ . and -');

  const portText = str('CORRAL_PORT', '8080');
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`CORRAL_PORT must be a port number (0-65535), got "${portText}"`);

  // CORRAL_SECRET_KEYS: newest first, comma-separated; CORRAL_SECRET_KEY (the single key of earlier versions) stays usable as the oldest
  const secretKeys = [...(env.CORRAL_SECRET_KEYS ?? '').split(','), env.CORRAL_SECRET_KEY ?? ''].map((k) => k.trim()).filter(Boolean);
  const uniqueSecretKeys = [...new Set(secretKeys)];
  if (uniqueSecretKeys.length === 0) problems.push('CORRAL_SECRET_KEYS (or CORRAL_SECRET_KEY) is required');
  if (uniqueSecretKeys.some((k) => k.length < 32)) problems.push('CORRAL_SECRET_KEYS / CORRAL_SECRET_KEY: every key must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  const adminKey = env.CORRAL_ADMIN_KEY?.trim() || null;
  if (adminKey && adminKey.length < 24) problems.push('CORRAL_ADMIN_KEY must be at least 24 characters');

  const roleArg = argv.find((a) => a.startsWith('--role='))?.slice('--role='.length) ?? argv[argv.indexOf('--role') + 1];
  const role = (argv.includes('--role') || roleArg ? roleArg : str('CORRAL_ROLE', 'all')) as ServerRole;
  if (!ROLES.includes(role)) problems.push(`--role / CORRAL_ROLE must be one of ${ROLES.join(', ')}, got "${role}"`);

  const hostDisconnectedAfterMs = duration('CORRAL_HOST_DISCONNECTED_AFTER', '15s');
  const hostLostAfterMs = duration('CORRAL_HOST_LOST_AFTER', '60s');
  if (hostLostAfterMs && hostDisconnectedAfterMs && hostLostAfterMs <= hostDisconnectedAfterMs) {
    problems.push('CORRAL_HOST_LOST_AFTER must be longer than CORRAL_HOST_DISCONNECTED_AFTER');
  }
  const sweepIntervalMs = duration('CORRAL_SWEEP_INTERVAL', '2s');
  const maxUnhealthyText = str('CORRAL_MAX_UNHEALTHY_HOSTS', '50%');
  const maxUnhealthyHosts = maxUnhealthyText.endsWith('%') ? Number(maxUnhealthyText.slice(0, -1)) / 100 : Number(maxUnhealthyText);
  if (!(maxUnhealthyHosts >= 0 && maxUnhealthyHosts <= 1)) problems.push(`CORRAL_MAX_UNHEALTHY_HOSTS must be a share such as 50% or 0.5, got "${maxUnhealthyText}"`);
  const etcdSnapshotIntervalMs = duration('CORRAL_ETCD_SNAPSHOT_INTERVAL', '6h');
  const keepText = str('CORRAL_ETCD_SNAPSHOT_KEEP', '12');
  const etcdSnapshotKeep = Number(keepText);
  if (!Number.isInteger(etcdSnapshotKeep) || etcdSnapshotKeep < 1 || etcdSnapshotKeep > 1000) problems.push(`CORRAL_ETCD_SNAPSHOT_KEEP must be a whole number from 1 to 1000, got "${keepText}"`);

  const poolText = str('CORRAL_DB_POOL_SIZE', '20');
  const databasePoolSize = Number(poolText);
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 2 || databasePoolSize > 500) problems.push(`CORRAL_DB_POOL_SIZE must be a whole number from 2 to 500, got "${poolText}"`);

  const probeIntervalMs = duration('CORRAL_PROBE_INTERVAL', '2s');
  if (probeIntervalMs && (probeIntervalMs % 1000 !== 0 || probeIntervalMs > 3_600_000)) problems.push('CORRAL_PROBE_INTERVAL must be whole seconds from 1s to 1h, e.g. 2s');
  const thresholdText = str('CORRAL_PROBE_FAILURE_THRESHOLD', '3');
  const probeFailureThreshold = Number(thresholdText);
  if (!Number.isInteger(probeFailureThreshold) || probeFailureThreshold < 1 || probeFailureThreshold > 100) {
    problems.push(`CORRAL_PROBE_FAILURE_THRESHOLD must be a whole number from 1 to 100, got "${thresholdText}"`);
  }

  const dnsUpstreams = (env.CORRAL_DNS_UPSTREAMS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const upstream of dnsUpstreams) {
    if (!/^\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?$/.test(upstream)) problems.push(`CORRAL_DNS_UPSTREAMS must list IPv4 addresses with an optional :port, comma-separated, got "${upstream}"`);
  }

  // checked (images.json, each archive) when the server starts, where a problem stops it naming the variable
  const imageDir = env.CORRAL_IMAGE_DIR?.trim() ? resolve(env.CORRAL_IMAGE_DIR.trim()) : null;
  let imageMaxSizeBytes = 512 * 1024 * 1024;
  try {
    imageMaxSizeBytes = parseByteSize(str('CORRAL_IMAGE_MAX_SIZE', '512Mi'));
    if (imageMaxSizeBytes < 1024 || imageMaxSizeBytes > 64 * 1024 ** 3) problems.push('CORRAL_IMAGE_MAX_SIZE must be from 1Ki to 64Gi');
  } catch (err) {
    problems.push(`CORRAL_IMAGE_MAX_SIZE ${(err as Error).message}`);
  }

  const snapshotStore = snapshotStoreConfig(env, problems);
  const restoreTimeoutMs = duration('CORRAL_RESTORE_TIMEOUT', '30m');
  const deletedRetentionMs = duration('CORRAL_DELETED_RETENTION', '7d');

  const tlsCertFile = env.CORRAL_TLS_CERT_FILE?.trim() || null;
  const tlsKeyFile = env.CORRAL_TLS_KEY_FILE?.trim() || null;
  if (Boolean(tlsCertFile) !== Boolean(tlsKeyFile)) problems.push('CORRAL_TLS_CERT_FILE and CORRAL_TLS_KEY_FILE must be set together');
  const tlsCaFile = env.CORRAL_TLS_CA_FILE?.trim() || null;
  if (tlsCaFile && !tlsCertFile) problems.push('CORRAL_TLS_CA_FILE needs CORRAL_TLS_CERT_FILE and CORRAL_TLS_KEY_FILE');
  const publicUrl = env.CORRAL_PUBLIC_URL?.trim() ? url('CORRAL_PUBLIC_URL', ['https:', 'http:']).replace(/\/+$/, '') : null;

  const limits = loadLimitsConfig(env, problems);

  if (problems.length) throw new ConfigError(problems);
  return {
    databaseUrl,
    databaseSchema,
    databasePoolSize,
    redisUrl,
    redisPrefix,
    port,
    bindAddress: str('CORRAL_BIND_ADDRESS', '0.0.0.0'),
    secretKeys: uniqueSecretKeys,
    adminKey,
    adminKeyFile: env.CORRAL_ADMIN_KEY_FILE?.trim() || null,
    role,
    hostDisconnectedAfterMs,
    hostLostAfterMs,
    sweepIntervalMs,
    maxUnhealthyHosts,
    etcdSnapshotIntervalMs,
    etcdSnapshotKeep,
    snapshotStore,
    restoreTimeoutMs,
    deletedRetentionMs,
    probeIntervalSeconds: probeIntervalMs / 1000,
    probeFailureThreshold,
    dnsUpstreams,
    imageDir,
    imageMaxSizeBytes,
    logLevel: str('CORRAL_LOG_LEVEL', 'info'),
    tls: tlsCertFile && tlsKeyFile ? { certFile: resolve(tlsCertFile), keyFile: resolve(tlsKeyFile), caFile: tlsCaFile ? resolve(tlsCaFile) : null } : null,
    publicUrl,
    limits,
  };
}

const S3_VARIABLES = ['ENDPOINT', 'BUCKET', 'REGION', 'ACCESS_KEY', 'SECRET_KEY', 'PREFIX', 'CA_FILE'].map((v) => `CORRAL_SNAPSHOT_S3_${v}`);

/**
 * Where snapshots are kept: an S3-compatible bucket when CORRAL_SNAPSHOT_S3_BUCKET is set, else
 * a directory (CORRAL_SNAPSHOT_DIR, default <CORRAL_DATA_DIR>/snapshots, the data dir defaulting
 * to $XDG_DATA_HOME/corral or ~/.local/share/corral).
 */
function snapshotStoreConfig(env: Record<string, string | undefined>, problems: string[]): SnapshotStoreConfig {
  const get = (name: string) => env[name]?.trim() || '';
  if (!get('CORRAL_SNAPSHOT_S3_BUCKET')) {
    const stray = S3_VARIABLES.filter((name) => get(name));
    if (stray.length) problems.push(`${stray.join(', ')} set without CORRAL_SNAPSHOT_S3_BUCKET`);
    const dataDir = get('CORRAL_DATA_DIR') || join(get('XDG_DATA_HOME') || join(get('HOME') || '/var/lib', '.local/share'), 'corral');
    return { kind: 'filesystem', dir: resolve(get('CORRAL_SNAPSHOT_DIR') || join(dataDir, 'snapshots')) };
  }
  const endpoint = get('CORRAL_SNAPSHOT_S3_ENDPOINT');
  try {
    if (!['http:', 'https:'].includes(new URL(endpoint).protocol)) problems.push('CORRAL_SNAPSHOT_S3_ENDPOINT must be an http(s) URL');
  } catch {
    problems.push('CORRAL_SNAPSHOT_S3_ENDPOINT must be an http(s) URL (e.g. https://s3.eu-central-1.amazonaws.com)');
  }
  const bucket = get('CORRAL_SNAPSHOT_S3_BUCKET');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) problems.push('CORRAL_SNAPSHOT_S3_BUCKET must be a bucket name (3-63 lower-case letters, digits, . and -)');
  const accessKeyId = get('CORRAL_SNAPSHOT_S3_ACCESS_KEY');
  const secretAccessKey = get('CORRAL_SNAPSHOT_S3_SECRET_KEY');
  if (!accessKeyId || !secretAccessKey) problems.push('CORRAL_SNAPSHOT_S3_ACCESS_KEY and CORRAL_SNAPSHOT_S3_SECRET_KEY are required with CORRAL_SNAPSHOT_S3_BUCKET');
  const prefix = get('CORRAL_SNAPSHOT_S3_PREFIX').replace(/^\/+/, '');
  if (prefix && !/^[A-Za-z0-9._/-]+$/.test(prefix)) problems.push('CORRAL_SNAPSHOT_S3_PREFIX may hold only letters, digits, . _ - and /');
  const caFile = get('CORRAL_SNAPSHOT_S3_CA_FILE');
  return {
    kind: 's3',
    endpoint,
    bucket,
    region: get('CORRAL_SNAPSHOT_S3_REGION') || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix,
    caFile: caFile ? resolve(caFile) : null,
  };
}
