import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EnvironmentPkiService } from '../provisioning/environment-pki.service';
import { clusterTrust } from '../provisioning/environment-secrets';
import { ApiserverPool, type ApiserverRecord, type ProxyTls } from './apiserver-pool';

const PROBE_INTERVAL_MS = 500;
const REFRESH_INTERVAL_MS = 2_000;
/** a pool nobody sent a request through for this long is dropped with its connections */
const IDLE_MS = 5 * 60_000;
const KUBE_APISERVER_PORT = 6443;

/** Why an environment's API cannot be served right now, with what the caller should do. */
export class PoolUnavailable extends Error {
  constructor(
    readonly status: 404 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** The apiserver pools of every environment the proxy is serving, kept fresh while in use. */
@Injectable()
export class ApiserverPoolsService implements OnModuleDestroy {
  private readonly logger = new Logger(ApiserverPoolsService.name);
  private readonly pools = new Map<string, { pool: ApiserverPool; refreshedAt: number }>();
  private readonly loading = new Map<string, Promise<ApiserverPool>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly pki: EnvironmentPkiService,
  ) {}

  /** The pool of the environment with this name, probed once before its first use. */
  async forEnvironment(name: string): Promise<ApiserverPool> {
    const entry = this.pools.get(name);
    if (entry) return entry.pool;
    let loading = this.loading.get(name);
    if (!loading) {
      loading = this.load(name).finally(() => this.loading.delete(name));
      this.loading.set(name, loading);
    }
    return loading;
  }

  private async load(name: string): Promise<ApiserverPool> {
    const [env] = await this.db.query('SELECT id, state FROM environments WHERE name = $1', [name]);
    if (!env) throw new PoolUnavailable(404, `environment ${name} not found`);
    const tls = await this.proxyTls(env.id);
    if (!tls) throw new PoolUnavailable(503, `environment ${name} has no control plane yet (state ${env.state}); retry once it is provisioning`);
    const pool = new ApiserverPool(env.id, name, tls, (backend, streams) =>
      this.logger.warn({ environment: name, host: backend.record.hostname, streams }, 'kube-apiserver stopped answering the proxy; its open requests were ended'),
    );
    pool.update(await this.records(env.id), tls);
    await pool.probeAll();
    this.pools.set(name, { pool, refreshedAt: Date.now() });
    this.startTicking();
    return pool;
  }

  private async proxyTls(environmentId: string): Promise<ProxyTls | null> {
    const secrets = await this.pki.load(environmentId);
    if (!secrets?.apiProxy) return null;
    return { caPem: clusterTrust(secrets), certPem: secrets.apiProxy.certPem, keyPem: secrets.apiProxy.keyPem };
  }

  private async records(environmentId: string): Promise<ApiserverRecord[]> {
    const rows: Array<{ host_id: string; hostname: string; addresses: string[]; healthy: boolean }> = await this.db.query(
      `SELECT c.host_id, h.hostname, h.addresses,
              (h.state = 'active' AND s.phase = 'running' AND s.healthy AND s.spec_hash = c.spec_hash) AS healthy
       FROM components c JOIN hosts h ON h.id = c.host_id
       LEFT JOIN component_statuses s ON s.host_id = c.host_id AND s.name = c.name
       WHERE c.environment_id = $1 AND c.kind = 'kube-apiserver'
       ORDER BY h.hostname`,
      [environmentId],
    );
    return rows.map((r) => ({ hostId: r.host_id, hostname: r.hostname, address: r.addresses[0], port: KUBE_APISERVER_PORT, reportedHealthy: r.healthy === true }));
  }

  private startTicking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = Date.now();
      await Promise.all(
        [...this.pools].map(async ([name, entry]) => {
          if (now - entry.pool.lastUsedAt > IDLE_MS) {
            entry.pool.close();
            this.pools.delete(name);
            return;
          }
          if (now - entry.refreshedAt >= REFRESH_INTERVAL_MS) await this.refresh(name, entry);
          await entry.pool.probeAll();
        }),
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'refreshing the kube-apiserver pools failed; retrying');
    } finally {
      this.ticking = false;
    }
  }

  private async refresh(name: string, entry: { pool: ApiserverPool; refreshedAt: number }): Promise<void> {
    entry.refreshedAt = Date.now();
    const [env] = await this.db.query('SELECT id FROM environments WHERE name = $1', [name]);
    const tls = env?.id === entry.pool.environmentId ? await this.proxyTls(env.id) : null;
    if (!tls) {
      // deleted (or re-created under the same name): start over on the next request
      entry.pool.close();
      this.pools.delete(name);
      return;
    }
    entry.pool.update(await this.records(env.id), tls);
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const { pool } of this.pools.values()) pool.close();
    this.pools.clear();
  }
}
