import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ComponentKind, ComponentSpec, ProbeSpec } from '@corral/contracts';
import { planPlacement } from '@corral/domain';
import { CertificateIssuer, buildHostComponents, createEnvironmentCas, issueHostPki } from '@corral/kube';
import { STAND_IN_BIN } from '@corral/test-hosts';

const POLL_MS = 25;

/**
 * The physical limit of recovering one crashed component: its own start time. The full stack
 * of a one-host environment (same catalog, same PKI as the server writes) is started by hand,
 * no agent or server; then each component is killed with SIGKILL and started again at once,
 * and the time until its health probe passes (polled every 25 ms) is recorded, `runs` times.
 */
export async function measureStartTimes(runs: number): Promise<Map<string, number[]>> {
  const prefix = `127.${10 + Math.floor(Math.random() * 200)}.${1 + Math.floor(Math.random() * 250)}`;
  const host = { id: '00000000-0000-4000-8000-0000000000a1', hostname: 'limit-1', address: `${prefix}.2`, roles: [], state: 'active' as const };
  const plan = planPlacement({ spec: { etcdMembers: 1, ingressReplicas: 1 }, hosts: [host], current: [] });
  const kinds = plan.placement.map((p) => p.kind as ComponentKind);
  const environment = { id: 'limit', name: 'limit', kubernetesVersion: 'v1.36', networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' } };
  const cas = await createEnvironmentCas('limit');
  const pki = await issueHostPki(await CertificateIssuer.load(cas), { host, kinds, apiServer: { controlPlaneAddresses: [host.address], serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local' } });
  const specs = buildHostComponents({
    environment,
    host,
    kinds,
    etcd: { members: [{ name: host.hostname, address: host.address }], initialClusterState: 'new' },
    apiServerEndpoints: [`https://${host.address}:6443`],
    cas,
    pki,
  });
  const root = mkdtempSync(join(tmpdir(), 'corral-recovery-limit-'));
  const running = new Map<string, ChildProcess>();
  const prepared = specs.map((spec) => prepare(root, host, spec));
  const start = (spec: ComponentSpec) => {
    const componentDir = join(root, 'components', spec.name);
    const log = openSync(join(root, `${spec.name}.log`), 'a');
    running.set(spec.name, spawn(join(STAND_IN_BIN, spec.binary), spec.args, { detached: true, stdio: ['ignore', log, log], cwd: componentDir, env: { PATH: `${STAND_IN_BIN}:${process.env.PATH ?? ''}`, HOME: componentDir, ...spec.env } }));
  };
  const stop = async (name: string) => {
    const child = running.get(name);
    running.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    await exited;
  };
  try {
    // dependencies first (catalog order: etcd, apiserver, then the rest)
    for (const spec of prepared) {
      start(spec);
      await waitHealthy(spec.probe!, spec.name, 60_000);
    }
    const times = new Map<string, number[]>();
    for (let run = 0; run < runs; run++) {
      for (const spec of prepared) {
        await stop(spec.name);
        const t0 = performance.now();
        start(spec);
        await waitHealthy(spec.probe!, spec.name, 60_000);
        times.set(spec.kind, [...(times.get(spec.kind) ?? []), performance.now() - t0]);
        // let dependants notice and settle before the next kill
        for (const other of prepared) await waitHealthy(other.probe!, other.name, 60_000);
      }
    }
    return times;
  } finally {
    for (const name of [...running.keys()]) await stop(name);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Writes the spec's files and expands the contract's placeholders, as an agent does. */
function prepare(root: string, host: { hostname: string; address: string }, spec: ComponentSpec): ComponentSpec {
  const componentDir = join(root, 'components', spec.name);
  const dataDir = join(root, 'data', spec.name);
  mkdirSync(componentDir, { recursive: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const values: Record<string, string> = { componentDir, dataDir, address: host.address, hostname: host.hostname, binDir: STAND_IN_BIN };
  const expand = (v: string) => v.replace(/\$\{(componentDir|dataDir|address|hostname|binDir)\}/g, (_m, key: string) => values[key]);
  for (const file of spec.files) {
    const path = join(componentDir, expand(file.path));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content, { mode: file.mode });
  }
  const probe = spec.probe!;
  return {
    ...spec,
    args: spec.args.map(expand),
    probe: { ...probe, host: expand(probe.host ?? '${address}'), caFile: probe.caFile && expand(probe.caFile), certFile: probe.certFile && expand(probe.certFile), keyFile: probe.keyFile && expand(probe.keyFile) },
  };
}

async function waitHealthy(probe: ProbeSpec, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probeOnce(probe)) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs} ms`);
}

function probeOnce(probe: ProbeSpec): Promise<boolean> {
  const url = `${probe.type}://${probe.host}:${probe.port}${probe.path ?? '/'}`;
  if (probe.type === 'http') return fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
  return new Promise((resolve) => {
    const req = httpsRequest(
      url,
      {
        ca: probe.caFile ? readFileSync(probe.caFile) : undefined,
        cert: probe.certFile ? readFileSync(probe.certFile) : undefined,
        key: probe.keyFile ? readFileSync(probe.keyFile) : undefined,
        rejectUnauthorized: Boolean(probe.caFile),
        timeout: 1000,
      },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 400);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
