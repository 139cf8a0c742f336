import type { ComponentSpec } from '@corral/contracts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixture, CONTROL_PLANE_KINDS, fixtureEnvironment, type Fixture } from '../../src/testing/environment-fixture';
import { buildComponent } from '../../src/catalog/build-host-components';

// Runs the catalog's etcd specs on the real etcd 3.4 binary: a three-member cluster with mutual
// TLS between peers and clients, each member on its own loopback address as separate hosts would be.
const ETCD = '/usr/bin/etcd';

function expand(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

function get(address: string, port: number, path: string, tls: { ca: string; cert?: string; key?: string }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: address, port, path, ...tls, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function untilHealthy(check: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let delay = 50; Date.now() < until; delay = Math.min(delay * 2, 500)) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error('etcd did not become healthy');
}

describe('etcd specs on the real etcd binary', () => {
  const root = mkdtempSync(join(tmpdir(), 'corral-kube-etcd-'));
  const prefix = `127.${10 + Math.floor(Math.random() * 200)}.${10 + Math.floor(Math.random() * 200)}`;
  const children: ChildProcess[] = [];
  let fixture: Fixture;
  let specs: Array<{ spec: ComponentSpec; dir: string; address: string; output: () => string }>;

  beforeAll(async () => {
    const hosts = [2, 3, 4].map((n) => ({
      id: `h${n}`,
      hostname: `etcd-${n}`,
      address: `${prefix}.${n}`,
      kinds: CONTROL_PLANE_KINDS,
    }));
    fixture = await buildFixture(fixtureEnvironment(), hosts);
    specs = fixture.inputs.map((input) => {
      const spec = buildComponent('etcd', input);
      const dir = join(root, input.host.hostname);
      const componentDir = join(dir, 'component');
      mkdirSync(componentDir, { recursive: true });
      for (const file of spec.files) writeFileSync(join(componentDir, file.path), file.content, { mode: file.mode });
      const vars = { componentDir, dataDir: join(dir, 'data'), address: input.host.address, hostname: input.host.hostname };
      const child = spawn(ETCD, spec.args.map((arg) => expand(arg, vars)), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      children.push(child);
      return { spec, dir: componentDir, address: input.host.address, output: () => output };
    });
  }, 30_000);

  afterAll(() => {
    for (const child of children) {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('forms a healthy cluster that the probe and the apiserver client certificate can reach', async () => {
    // /health is true only once a leader is elected, which needs the members' peer TLS to work
    for (const member of specs) {
      const probe = member.spec.probe!;
      const tls = {
        ca: readFileSync(join(member.dir, 'ca.crt')),
        cert: readFileSync(join(member.dir, 'healthcheck-client.crt')),
        key: readFileSync(join(member.dir, 'healthcheck-client.key')),
      };
      try {
        await untilHealthy(async () => {
          const res = await get(member.address, probe.port!, probe.path!, {
            ca: tls.ca.toString(),
            cert: tls.cert.toString(),
            key: tls.key.toString(),
          });
          return res.status === 200 && JSON.parse(res.body).health === 'true';
        }, 20_000);
      } catch (error) {
        throw new Error(`${member.address}: ${(error as Error).message}\n${member.output().slice(-3000)}`);
      }
    }

    const apiserverClient = fixture.inputs[0]!.pki['kube-apiserver']!.etcdClient;
    const version = await get(specs[1]!.address, 2379, '/version', {
      ca: fixture.cas.etcdCa.certPem,
      cert: apiserverClient.certPem,
      key: apiserverClient.keyPem,
    });
    expect(version.status).toBe(200);
    expect(JSON.parse(version.body).etcdserver).toMatch(/^3\./);
  }, 30_000);

  it('refuses clients without a certificate', async () => {
    await expect(get(specs[0]!.address, 2379, '/health', { ca: fixture.cas.etcdCa.certPem })).rejects.toThrow();
  });
});
