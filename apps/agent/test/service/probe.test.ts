import type { ProbeSpec } from '@corral/contracts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbe, type ProbeContext } from '../../src/supervisor/probe';

const timing = { intervalSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 };
const context: ProbeContext = {
  resolveCommand: (name) => {
    if (name.startsWith('/')) return name;
    if (name === 'ok-check') return '/bin/true';
    throw new Error(`binary ${name} not found`);
  },
  cwd: '/',
  env: { PATH: '/usr/bin:/bin' },
};

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('runProbe', () => {
  const servers: net.Server[] = [];
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-probe-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=probe-test-ca');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      openssl('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
      openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '1', '-extfile', `${who}.ext`);
    }
  });

  afterAll(async () => {
    for (const s of servers) {
      (s as http.Server).closeAllConnections?.();
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('http: 2xx/3xx pass, other statuses fail with the body', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/healthz') res.end('ok');
      else res.writeHead(503).end('etcd: not ready');
    });
    servers.push(server);
    const port = await listen(server);
    expect(await runProbe({ type: 'http', host: '127.0.0.1', port, path: '/healthz', ...timing }, context)).toEqual({
      ok: true,
      message: `GET http://127.0.0.1:${port}/healthz: 200`,
    });
    const bad = await runProbe({ type: 'http', host: '127.0.0.1', port, path: '/other', ...timing }, context);
    expect(bad).toEqual({ ok: false, message: `GET http://127.0.0.1:${port}/other: 503 etcd: not ready` });
  });

  it('http: a server that never answers fails after the timeout', async () => {
    const server = http.createServer(() => undefined);
    servers.push(server);
    const port = await listen(server);
    const started = Date.now();
    const result = await runProbe({ type: 'http', host: '127.0.0.1', port, path: '/', ...timing }, context);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/timed out after 1000ms/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('https: verifies the server with caFile and presents the client certificate', async () => {
    const server = https.createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.pem')),
        ca: readFileSync(join(dir, 'ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.end('ok'),
    );
    servers.push(server);
    const port = await listen(server);
    const probe: ProbeSpec = {
      type: 'https',
      host: '127.0.0.1',
      port,
      path: '/health',
      caFile: join(dir, 'ca.pem'),
      certFile: join(dir, 'client.pem'),
      keyFile: join(dir, 'client.key'),
      ...timing,
    };
    expect((await runProbe(probe, context)).ok).toBe(true);
    // no client certificate: the server refuses the handshake
    expect((await runProbe({ ...probe, certFile: undefined, keyFile: undefined }, context)).ok).toBe(false);
    // no CA: the server's certificate is not trusted
    const untrusted = await runProbe({ ...probe, caFile: undefined }, context);
    expect(untrusted.ok).toBe(false);
    expect(untrusted.message).toMatch(/self.signed|unable to (get|verify)/i);
    // a missing file is a failed probe, not a crash
    expect(await runProbe({ ...probe, caFile: join(dir, 'nope.pem') }, context)).toMatchObject({ ok: false, message: expect.stringMatching(/ENOENT/) });
  });

  it('tcp: passes when something listens, fails when nothing does', async () => {
    const server = net.createServer((s) => s.end());
    servers.push(server);
    const port = await listen(server);
    expect((await runProbe({ type: 'tcp', host: '127.0.0.1', port, ...timing }, context)).ok).toBe(true);
    await new Promise((r) => server.close(r));
    servers.pop();
    const closed = await runProbe({ type: 'tcp', host: '127.0.0.1', port, ...timing }, context);
    expect(closed).toEqual({ ok: false, message: `tcp 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('exec: exit 0 passes; others fail with their output; bare names come from the bin dir; hung commands are killed', async () => {
    expect((await runProbe({ type: 'exec', command: ['/bin/true'], ...timing }, context)).ok).toBe(true);
    expect((await runProbe({ type: 'exec', command: ['ok-check'], ...timing }, context)).ok).toBe(true);
    expect(await runProbe({ type: 'exec', command: ['/bin/sh', '-c', 'echo not leader >&2; exit 2'], ...timing }, context)).toEqual({
      ok: false,
      message: 'exec /bin/sh: exit 2: not leader',
    });
    expect(await runProbe({ type: 'exec', command: ['sh', '-c', 'true'], ...timing }, context)).toEqual({
      ok: false,
      message: 'exec probe: binary sh not found',
    });
    const started = Date.now();
    const hung = await runProbe({ type: 'exec', command: ['/bin/sh', '-c', 'sleep 30 & wait'], ...timing }, context);
    expect(hung).toEqual({ ok: false, message: 'exec /bin/sh: timed out after 1000ms' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
