import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServerTlsBundle } from '@corral/kube';
import { testTlsPaths } from '@corral/test-hosts';
import { FakeAgentServer } from './support/fake-agent-server';

/**
 * Issue 11: the agent verifies the server, refuses plain HTTP off the loopback or without
 * --insecure-http, pins a CA by fingerprint, and never sends its credential to another server.
 * The server is the protocol double over HTTPS; the agent is the built process (dist).
 */
const repo = resolve(__dirname, '../../..');
jest.setTimeout(60_000);

interface Run {
  code: number | null;
  output: string;
}

describe('corral-agent trusts only the server it was told to', () => {
  let root: string;
  const trusted = new FakeAgentServer();
  let untrustedCa: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'corral-agent-trust-'));
    await trusted.start();
    const other = await createServerTlsBundle({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    untrustedCa = join(root, 'other-ca.crt');
    writeFileSync(untrustedCa, other.ca.certPem);
  });
  afterAll(async () => {
    await trusted.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /**
   * runs the agent until it exits by itself, or stops it once `done` holds (polled every 50 ms;
   * an awaited event, not a fixed wait a loaded machine may outlast), or after `untilMs`
   */
  function runAgent(stateDir: string, args: string[], untilMs = 20_000, done?: () => boolean): Promise<Run> {
    const child = spawn(
      process.execPath,
      [join(repo, 'dist/apps/agent/src/main.js'), '--state-dir', stateDir, '--bin-dir', root, '--address', '127.0.0.1', '--hostname', 'trust-node', '--heartbeat-interval', '500ms', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
    );
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    const timer = setTimeout(() => child.kill('SIGTERM'), untilMs);
    const poll = done && setInterval(() => done() && child.kill('SIGTERM'), 50);
    return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), clearInterval(poll), resolve({ code, output }))));
  }

  it('refuses to register with a server whose certificate its CA did not sign, saying why', async () => {
    const state = join(root, 'wrong-ca');
    const run = await runAgent(state, ['--server', trusted.url, '--token', 'reg-token', '--ca-file', untrustedCa]);
    expect(run.code).toBe(4);
    expect(run.output).toMatch(/refusing to register: https:\/\/127\.0\.0\.1:\d+ presented a certificate that the configured trust .* does not accept \(\w+\)/);
    expect(trusted.registrations).toHaveLength(0);
    expect(existsSync(join(state, 'credential'))).toBe(false);
  });

  it('refuses to start on plain http:// without --insecure-http, and off the loopback even with it', async () => {
    const plain = await runAgent(join(root, 'plain'), ['--server', 'http://127.0.0.1:9', '--token', 'reg-token']);
    expect(plain.code).toBe(2);
    expect(plain.output).toMatch(/--server: http:\/\/127\.0\.0\.1:9 is plain HTTP.*--insecure-http/);
    const remote = await runAgent(join(root, 'remote'), ['--server', 'http://192.0.2.1:8080', '--token', 'reg-token', '--insecure-http']);
    expect(remote.code).toBe(2);
    expect(remote.output).toMatch(/loopback development only/);
  });

  it('pins the CA by fingerprint: a wrong pin stops it, the right one registers and keeps the CA', async () => {
    const wrongPin = await runAgent(join(root, 'wrong-pin'), ['--server', trusted.url, '--token', 'reg-token', '--ca-fingerprint', `sha256:${'0'.repeat(64)}`]);
    expect(wrongPin.code).toBe(4);
    expect(wrongPin.output).toMatch(/the server's CA has the fingerprint sha256:[0-9a-f]{64}, not the pinned sha256:0{64}/);

    const { X509Certificate } = await import('node:crypto');
    const pin = `sha256:${new X509Certificate(readFileSync(testTlsPaths().caFile)).fingerprint256.replace(/:/g, '').toLowerCase()}`;
    const state = join(root, 'pinned');
    const before = trusted.registrations.length;
    const run = await runAgent(state, ['--server', trusted.url, '--token', 'reg-token', '--ca-fingerprint', pin], 30_000, () => existsSync(join(state, 'identity.json'))); // written after the credential
    expect(trusted.registrations.length).toBe(before + 1);
    expect(readFileSync(join(state, 'server-ca.pem'), 'utf8')).toBe(readFileSync(testTlsPaths().caFile, 'utf8'));
    expect(run.output).toContain('matches the pinned fingerprint');
  });

  it('having registered with one server, will not send its credential to another', async () => {
    const state = join(root, 'moved');
    await runAgent(state, ['--server', trusted.url, '--token', 'reg-token', '--ca-file', testTlsPaths().caFile], 30_000, () => existsSync(join(state, 'identity.json'))); // written after the credential
    const credential = readFileSync(join(state, 'credential'), 'utf8').trim();
    const other = new FakeAgentServer();
    await other.start();
    try {
      const run = await runAgent(state, ['--server', other.url, '--ca-file', testTlsPaths().caFile]);
      expect(run.code).toBe(2);
      expect(run.output).toMatch(new RegExp(`registered with ${trusted.url.replace(/[.]/g, '\\.')} and will not send its credential to ${other.url.replace(/[.]/g, '\\.')}`));
      expect([...other.bearerTokens].some((t) => t.includes(credential))).toBe(false);
      expect(other.unauthorizedCalls).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
