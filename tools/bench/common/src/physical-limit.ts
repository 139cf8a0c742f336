import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expandComponentSpec, type ComponentKind, type ComponentSpec, type ProbeSpec } from '@corral/contracts';
import { planPlacement } from '@corral/domain';
import { CertificateIssuer, buildHostComponents, createEnvironmentCas, issueHostPki } from '@corral/kube';
import { STAND_IN_BIN } from '@corral/test-hosts';

export interface StageTiming {
  stage: string;
  ms: number;
}

/**
 * The physical limit of bringing an environment up: the same component specs the server
 * would write (same catalog, same PKI), started by hand on every host at once, each component
 * the moment its dependencies are healthy, with no server, agent or queue in between.
 * `stages` says when the last component of each kind became healthy.
 */
export async function measurePhysicalLimit(hostCount: number, etcdMembers: 1 | 3 | 5): Promise<{ totalMs: number; stages: StageTiming[] }> {
  const prefix = `127.${10 + Math.floor(Math.random() * 200)}.${1 + Math.floor(Math.random() * 250)}`;
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ id: `00000000-0000-4000-8000-00000000000${i}`, hostname: `limit-${i + 1}`, address: `${prefix}.${i + 2}`, roles: [], state: 'active' as const }));
  const plan = planPlacement({ spec: { etcdMembers, ingressReplicas: 1 }, hosts, current: [] });
  const kindsOf = (hostId: string) => plan.placement.filter((p) => p.hostId === hostId).map((p) => p.kind as ComponentKind);
  const environment = { id: 'limit', name: 'limit', kubernetesVersion: 'v1.36', networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' } };
  const cas = await createEnvironmentCas('limit');
  const issuer = await CertificateIssuer.load(cas);
  const controlPlane = hosts.filter((h) => kindsOf(h.id).includes('kube-apiserver'));
  const etcdHosts = hosts.filter((h) => kindsOf(h.id).includes('etcd'));
  const root = mkdtempSync(join(tmpdir(), 'corral-limit-'));
  const started: ChildProcess[] = [];
  try {
    const runnable: Array<{ host: (typeof hosts)[number]; spec: ComponentSpec }> = [];
    for (const host of hosts) {
      const kinds = kindsOf(host.id);
      const pki = await issueHostPki(issuer, { host, kinds, apiServer: { controlPlaneAddresses: controlPlane.map((h) => h.address), serviceCidr: environment.networking.serviceCidr, clusterDomain: environment.networking.clusterDomain } });
      const specs = buildHostComponents({
        environment,
        host,
        kinds,
        etcd: { members: etcdHosts.map((h) => ({ name: h.hostname, address: h.address })), initialClusterState: 'new' },
        apiServerEndpoints: controlPlane.map((h) => `https://${h.address}:6443`),
        cas,
        pki,
      });
      for (const spec of specs) runnable.push({ host, spec: prepare(root, host, spec) });
    }
    // every component starts the moment its same-host dependencies are healthy, as agents do;
    // the limit is when the last one is healthy
    const t0 = performance.now();
    const healthy = new Map<string, Promise<number>>();
    const key = (hostname: string, name: string) => `${hostname}/${name}`;
    const launch = (r: (typeof runnable)[number]): Promise<number> => {
      const existing = healthy.get(key(r.host.hostname, r.spec.name));
      if (existing) return existing;
      const deps = (r.spec.dependsOn ?? []).map((dep) => runnable.find((x) => x.host === r.host && x.spec.name === dep)!).filter(Boolean);
      const done = Promise.all(deps.map(launch)).then(async () => {
        const componentDir = join(root, r.host.hostname, 'components', r.spec.name);
        const log = openSync(join(root, `${r.host.hostname}-${r.spec.name}.log`), 'a');
        // as the agent runs it: own process group, cwd and HOME in the component's directory
        started.push(spawn(join(STAND_IN_BIN, r.spec.binary), r.spec.args, { detached: true, stdio: ['ignore', log, log], cwd: componentDir, env: { PATH: `${STAND_IN_BIN}:${process.env.PATH ?? ''}`, HOME: componentDir, ...r.spec.env } }));
        await waitHealthy(r.spec.probe!, `${r.spec.kind} on ${r.host.hostname}`);
        return performance.now() - t0;
      });
      healthy.set(key(r.host.hostname, r.spec.name), done);
      return done;
    };
    const readyAt = await Promise.all(runnable.map(launch));
    const byKind = new Map<string, number>();
    runnable.forEach((r, i) => byKind.set(r.spec.kind, Math.max(byKind.get(r.spec.kind) ?? 0, readyAt[i])));
    const timings: StageTiming[] = [...byKind.entries()].sort((a, b) => a[1] - b[1]).map(([stage, ms]) => ({ stage: `${stage} healthy`, ms }));
    return { totalMs: Math.max(...readyAt), stages: timings };
  } finally {
    for (const child of started) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!process.env.CORRAL_BENCH_KEEP) rmSync(root, { recursive: true, force: true });
  }
}

/** Expands the contract's placeholders and writes the spec's files, as an agent does. */
function prepare(root: string, host: { hostname: string; address: string }, spec: ComponentSpec): ComponentSpec {
  const componentDir = join(root, host.hostname, 'components', spec.name);
  const dataDir = join(root, host.hostname, 'data', spec.name);
  mkdirSync(componentDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const expanded = expandComponentSpec(spec, { componentDir, dataDir, address: host.address, hostname: host.hostname, binDir: STAND_IN_BIN });
  for (const file of expanded.files) {
    const path = join(componentDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.mode });
  }
  return expanded;
}

async function waitHealthy(probe: ProbeSpec, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await probeOnce(probe)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not become healthy within 60 s (probe ${probe.type}://${probe.host}:${probe.port}${probe.path ?? ''})`);
}

function probeOnce(probe: ProbeSpec): Promise<boolean> {
  const url = `${probe.type}://${probe.host}:${probe.port}${probe.path ?? '/'}`;
  if (probe.type === 'http') {
    return fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  }
  return new Promise((resolve) => {
    const req = httpsRequest(url, {
      ca: probe.caFile ? readFileSync(probe.caFile) : undefined,
      cert: probe.certFile ? readFileSync(probe.certFile) : undefined,
      key: probe.keyFile ? readFileSync(probe.keyFile) : undefined,
      rejectUnauthorized: Boolean(probe.caFile),
      timeout: 1000,
    }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
