import { loadConfig } from './load-config';
import { ConfigError } from './corral-config';

const VALID = {
  DATABASE_URL: 'postgres://corral@db/corral',
  CORRAL_SECRET_KEY: 'k'.repeat(44),
};

function problemsOf(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadConfig(env, argv);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig(VALID)).toMatchObject({
      databaseSchema: 'public',
      databasePoolSize: 20,
      redisUrl: 'redis://127.0.0.1:6379',
      port: 8080,
      bindAddress: '0.0.0.0',
      role: 'all',
      hostDisconnectedAfterMs: 15_000,
      hostLostAfterMs: 60_000,
      maxUnhealthyHosts: 0.5,
      etcdSnapshotIntervalMs: 6 * 3600_000,
      etcdSnapshotKeep: 12,
      probeIntervalSeconds: 2,
      probeFailureThreshold: 3,
      dnsUpstreams: [],
    });
  });

  it('takes the cluster DNS upstreams as IPv4 addresses with optional ports', () => {
    expect(loadConfig({ ...VALID, CORRAL_DNS_UPSTREAMS: '10.0.0.53, 10.0.0.54:5353' }).dnsUpstreams).toEqual(['10.0.0.53', '10.0.0.54:5353']);
    expect(problemsOf({ ...VALID, CORRAL_DNS_UPSTREAMS: 'dns.example' })).toEqual(['CORRAL_DNS_UPSTREAMS must list IPv4 addresses with an optional :port, comma-separated, got "dns.example"']);
  });

  it('takes the health probe timing of every component, in whole seconds', () => {
    expect(loadConfig({ ...VALID, CORRAL_PROBE_INTERVAL: '5s', CORRAL_PROBE_FAILURE_THRESHOLD: '6' })).toMatchObject({ probeIntervalSeconds: 5, probeFailureThreshold: 6 });
    expect(problemsOf({ ...VALID, CORRAL_PROBE_INTERVAL: '1500ms', CORRAL_PROBE_FAILURE_THRESHOLD: '0' })).toEqual([
      'CORRAL_PROBE_INTERVAL must be whole seconds from 1s to 1h, e.g. 2s',
      'CORRAL_PROBE_FAILURE_THRESHOLD must be a whole number from 1 to 100, got "0"',
    ]);
  });

  it('takes the image directory (resolved) and the upload limit', () => {
    expect(loadConfig(VALID)).toMatchObject({ imageDir: null, imageMaxSizeBytes: 512 * 1024 * 1024 });
    expect(loadConfig({ ...VALID, CORRAL_IMAGE_DIR: '/srv/images', CORRAL_IMAGE_MAX_SIZE: '2Gi' })).toMatchObject({ imageDir: '/srv/images', imageMaxSizeBytes: 2 * 1024 ** 3 });
    expect(loadConfig({ ...VALID, CORRAL_IMAGE_DIR: 'images', CORRAL_IMAGE_MAX_SIZE: '100M' })).toMatchObject({ imageDir: `${process.cwd()}/images`, imageMaxSizeBytes: 100_000_000 });
    expect(problemsOf({ ...VALID, CORRAL_IMAGE_MAX_SIZE: 'big' })).toEqual(['CORRAL_IMAGE_MAX_SIZE must be a size such as 512Mi, 1Gi or 100M, got "big"']);
    expect(problemsOf({ ...VALID, CORRAL_IMAGE_MAX_SIZE: '100' })).toEqual(['CORRAL_IMAGE_MAX_SIZE must be from 1Ki to 64Gi']);
  });

  it('serves HTTPS only with a certificate and its key, and takes the public URL', () => {
    expect(loadConfig(VALID).tls).toBeNull();
    const tls = loadConfig({ ...VALID, CORRAL_TLS_CERT_FILE: 'tls/s.crt', CORRAL_TLS_KEY_FILE: 'tls/s.key', CORRAL_PUBLIC_URL: 'https://corral.example:8443/' });
    expect(tls.tls).toEqual({ certFile: expect.stringMatching(/\/tls\/s\.crt$/), keyFile: expect.stringMatching(/\/tls\/s\.key$/), caFile: null });
    expect(tls.publicUrl).toBe('https://corral.example:8443');
    expect(problemsOf({ ...VALID, CORRAL_TLS_CERT_FILE: 's.crt' })).toEqual(['CORRAL_TLS_CERT_FILE and CORRAL_TLS_KEY_FILE must be set together']);
    expect(problemsOf({ ...VALID, CORRAL_TLS_CA_FILE: 'ca.crt' })).toEqual(['CORRAL_TLS_CA_FILE needs CORRAL_TLS_CERT_FILE and CORRAL_TLS_KEY_FILE']);
    expect(problemsOf({ ...VALID, CORRAL_PUBLIC_URL: 'ftp://x' })).toEqual([expect.stringContaining('CORRAL_PUBLIC_URL must be a https: or http: URL')]);
  });

  it('names every missing or wrong variable at once', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://db',
      CORRAL_SECRET_KEY: 'short',
      CORRAL_PORT: '70000',
      CORRAL_DB_POOL_SIZE: '1',
      CORRAL_HOST_DISCONNECTED_AFTER: '2m',
      CORRAL_HOST_LOST_AFTER: '1m',
      CORRAL_MAX_UNHEALTHY_HOSTS: '150%',
      CORRAL_ETCD_SNAPSHOT_KEEP: 'many',
      CORRAL_REDIS_PREFIX: 'a b',
    });
    for (const name of ['DATABASE_URL', 'CORRAL_SECRET_KEY', 'CORRAL_PORT', 'CORRAL_DB_POOL_SIZE', 'CORRAL_HOST_LOST_AFTER', 'CORRAL_MAX_UNHEALTHY_HOSTS', 'CORRAL_ETCD_SNAPSHOT_KEEP', 'CORRAL_REDIS_PREFIX']) {
      expect(problems.some((p) => p.includes(name))).toBe(true);
    }
    expect(problems).toHaveLength(8);
    expect(problemsOf({})).toEqual(['DATABASE_URL is required', 'CORRAL_SECRET_KEYS (or CORRAL_SECRET_KEY) is required']);
  });

  it('takes the secret keys newest first, with the single key of earlier versions as the oldest', () => {
    const { CORRAL_SECRET_KEY: _single, ...withoutKey } = VALID;
    const [newKey, oldKey] = ['n'.repeat(32), 'o'.repeat(40)];
    expect(loadConfig({ ...withoutKey, CORRAL_SECRET_KEYS: ` ${newKey} , ${oldKey}` }).secretKeys).toEqual([newKey, oldKey]);
    expect(loadConfig({ ...withoutKey, CORRAL_SECRET_KEYS: newKey, CORRAL_SECRET_KEY: oldKey }).secretKeys).toEqual([newKey, oldKey]);
    expect(loadConfig({ ...withoutKey, CORRAL_SECRET_KEYS: `${oldKey},${oldKey}`, CORRAL_SECRET_KEY: oldKey }).secretKeys).toEqual([oldKey]);
    expect(loadConfig(VALID).secretKeys).toEqual([VALID.CORRAL_SECRET_KEY]);
    expect(problemsOf({ ...withoutKey, CORRAL_SECRET_KEYS: `${newKey},short` })).toEqual([expect.stringContaining('every key must be at least 32 characters')]);
  });

  it('takes the role from --role before CORRAL_ROLE', () => {
    expect(loadConfig({ ...VALID, CORRAL_ROLE: 'api' }, ['--role', 'worker']).role).toBe('worker');
    expect(loadConfig({ ...VALID, CORRAL_ROLE: 'api' }).role).toBe('api');
    expect(problemsOf({ ...VALID }, ['--role=everything'])).toEqual(['--role / CORRAL_ROLE must be one of api, worker, all, got "everything"']);
  });
});
