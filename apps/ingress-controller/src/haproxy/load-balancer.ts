import { CoreV1Api, DiscoveryV1Api, type KubeConfig, type V1EndpointSlice, type V1Secret, type V1Service } from '@kubernetes/client-node';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { IngressRuleTable } from '../rules/ingress-rule-table';
import { describeError } from '../util/describe-error';
import { ResourceCache } from '../watch/resource-cache';
import { HaproxyProcess } from './haproxy-process';
import { backendName, CERT_DIR, CRT_LIST, MAP_FILES, mapFileContent, renderHaproxyConfig, routingMaps, type LbListen, type RoutingMaps } from './render-haproxy-config';
import { resolveEndpoints } from './resolve-endpoints';
import { assignSlots, slotCommands, slotCount, type Slots } from './server-slots';
import { tlsCertificates, type TlsCertificates } from './tls-certificates';

export interface LoadBalancerOptions extends LbListen {
  haproxyBinary: string;
  /** the HAProxy master exited on its own: the controller stops, and its supervisor restarts it */
  onHaproxyExit: (reason: string) => void;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * Keeps one HAProxy in step with the Ingress rule table, Services and EndpointSlices. A change
 * that keeps the structure (same backends, same slot counts, same maps) is applied through the
 * runtime API, without a reload; anything else rewrites the files and reloads hitlessly. Syncs
 * are serialised and coalesced.
 */
export class LoadBalancer {
  private readonly services: ResourceCache<V1Service>;
  private readonly slices: ResourceCache<V1EndpointSlice>;
  private readonly secrets: ResourceCache<V1Secret>;
  private readonly haproxy: HaproxyProcess;
  private applied: { structure: string; backends: Map<string, Slots> } | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closing = false;
  /** counts for the log and tests */
  readonly stats = { reloads: 0, runtimeUpdates: 0 };

  constructor(
    kubeConfig: KubeConfig,
    private readonly table: IngressRuleTable,
    private readonly options: LoadBalancerOptions,
    private readonly logger: Logger,
  ) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    const changed = () => this.requestSync();
    this.services = new ResourceCache(kubeConfig, '/api/v1/services', () => core.listServiceForAllNamespaces(), logger, changed);
    this.slices = new ResourceCache(kubeConfig, '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces(), logger, changed);
    this.secrets = new ResourceCache(kubeConfig, '/api/v1/secrets', () => core.listSecretForAllNamespaces({ fieldSelector: 'type=kubernetes.io/tls' }), logger, changed);
    const file = (name: string) => join(options.runDir, name);
    this.haproxy = new HaproxyProcess(options.haproxyBinary, file('haproxy.cfg'), file('master.sock'), file('admin.sock'), (code, signal) =>
      options.onHaproxyExit(`haproxy exited (${signal ?? `code ${code}`})`),
    );
  }

  start(): void {
    mkdirSync(join(this.options.runDir, CERT_DIR), { recursive: true, mode: 0o700 });
    this.services.start();
    this.slices.start();
    this.secrets.start();
  }

  /** HAProxy runs with a configuration from synced caches */
  serving(): boolean {
    return this.applied !== null;
  }

  /** the worker's pid, or undefined before HAProxy runs */
  workerPid(): Promise<number | undefined> {
    return this.applied ? this.haproxy.workerPid() : Promise.resolve(undefined);
  }

  /** Called on every change of the rules, Services or EndpointSlices. */
  requestSync(): void {
    if (this.closing || !this.services.synced || !this.slices.synced || !this.secrets.synced) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.syncLoop().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.closing = true;
    await this.running;
    await Promise.all([this.services.stop(), this.slices.stop(), this.secrets.stop()]);
    await this.haproxy.stop();
  }

  private async syncLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.sync();
      } catch (err) {
        this.logger.error({ err: describeError(err) }, 'load balancer sync failed; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1_000));
        this.again = true;
      }
    } while (this.again && !this.closing);
  }

  private async sync(): Promise<void> {
    const rules = this.table.rules();
    const maps = routingMaps(rules);
    const backends = new Map<string, Slots>();
    for (const r of rules) {
      const name = backendName(r);
      if (backends.has(name)) continue;
      const slices = this.slices.list(r.namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === r.service);
      const endpoints = resolveEndpoints(this.services.get(r.service, r.namespace), slices, r.port);
      const previous = this.applied?.backends.get(name);
      const count = previous && previous.length >= endpoints.length ? previous.length : slotCount(endpoints.length);
      backends.set(name, assignSlots(previous, endpoints, count));
    }
    const certs = tlsCertificates(this.table.tls(), (ns, name) => this.secrets.get(name, ns), join(this.options.runDir, CERT_DIR));
    const tls = certs.files.size > 0;
    // a new or changed certificate reloads too: hitless, so no connection drops
    const structure = renderHaproxyConfig(this.options, maps, new Map([...backends].map(([n, s]) => [n, s.map(() => null)])), tls) + JSON.stringify(maps) + JSON.stringify([...certs.files]);
    const config = renderHaproxyConfig(this.options, maps, backends, tls);

    if (this.applied && this.applied.structure === structure) {
      const commands = [...backends].flatMap(([name, slots]) => slotCommands(name, this.applied!.backends.get(name)!, slots));
      if (commands.length === 0) return;
      await this.haproxy.apply(commands);
      // the file follows, so that a restart or a later reload starts from the same servers
      this.writeFile('haproxy.cfg', config);
      this.applied = { structure, backends };
      this.stats.runtimeUpdates += 1;
      this.logger.info({ commands: commands.length, backends: backends.size }, 'endpoints changed; applied through the runtime API without a reload');
      return;
    }

    this.writeCertificates(certs);
    this.writeFiles(maps, config);
    const started = Date.now();
    if (this.applied === null) await this.haproxy.start();
    else {
      await this.haproxy.reload();
      this.stats.reloads += 1;
    }
    this.applied = { structure, backends };
    const fields = { backends: backends.size, rules: rules.length, ms: Date.now() - started, certificates: certs.files.size, ...(maps.skipped.length || certs.skipped.length ? { skipped: [...maps.skipped, ...certs.skipped] } : {}) };
    this.logger.info(fields, this.stats.reloads === 0 ? 'haproxy started' : 'haproxy configuration changed; reloaded');
  }

  private writeFiles(maps: RoutingMaps, config: string): void {
    for (const [key, name] of Object.entries(MAP_FILES)) this.writeFile(name, mapFileContent(maps[key as keyof typeof MAP_FILES]));
    this.writeFile('haproxy.cfg', config);
  }

  private writeCertificates(certs: TlsCertificates): void {
    const dir = join(this.options.runDir, CERT_DIR);
    for (const name of readdirSync(dir)) if (name.endsWith('.pem') && !certs.files.has(name)) rmSync(join(dir, name));
    for (const [name, pem] of certs.files) this.writeFile(join(CERT_DIR, name), pem);
    this.writeFile(CRT_LIST, certs.crtList);
  }

  /** write-then-rename: HAProxy never reads a half-written file */
  private writeFile(name: string, content: string): void {
    const path = join(this.options.runDir, name);
    writeFileSync(`${path}.tmp`, content, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }
}
