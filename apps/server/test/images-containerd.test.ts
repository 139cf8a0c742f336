// Images without a registry, end to end: archives pushed to the server (POST /v1/images) reach a
// REAL containerd (v2, from the kube-bin cache) that a real agent runs as its `containerd`
// component, and `ctr -n k8s.io images ls` lists them; an image added later is imported too,
// without containerd restarting; an image removed from containerd behind the agent's back is
// imported again once containerd comes back.
//
// Skips only when no containerd binary is found (the message says where it looked) or when not
// root (containerd mounts snapshots). The archives come from tools/images (gcc, busybox-static).
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerdSocket } from '@corral/kube';
import { cachedKubeBinDirs, kubeBinCacheDir, kubeBinDir } from '@corral/kube-build';
import { killProcessesUnder, REPO, testTlsPaths } from '@corral/test-hosts';
import { apiClient } from '@corral/testing';
import { TestServer, eventually, isolatedConfig, startTestServer } from './support/test-server';

jest.setTimeout(240_000);

function findBinDir(): { dir?: string; looked: string } {
  try {
    return { dir: kubeBinDir({ build: false }), looked: 'npm run -s kube:bin-dir' };
  } catch {
    const dirs = cachedKubeBinDirs(['containerd', 'ctr']);
    return { dir: dirs[0], looked: `CORRAL_KUBE_BIN_DIR, npm run -s kube:bin-dir, ${kubeBinCacheDir()}/*/bin` };
  }
}

const lookup = findBinDir();
const isRoot = process.getuid?.() === 0;
if (!lookup.dir) console.warn(`images-containerd test SKIPPED: no containerd binary (looked in ${lookup.looked})`);
else if (!isRoot) console.warn('images-containerd test SKIPPED: containerd needs root');
const suite = lookup.dir && isRoot ? describe : describe.skip;

/** A containerd component like the catalog's (same socket rule, same probe), without CRI: nothing here outside its data dir. */
function containerdComponent() {
  const socket = containerdSocket('containerd');
  const config = [
    'version = 3',
    'root = "${dataDir}/root"',
    'state = "${dataDir}/state"',
    'temp = "${dataDir}/tmp"',
    'disabled_plugins = [',
    '  "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime",',
    '  "io.containerd.podsandbox.controller.v1.podsandbox", "io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt",',
    '  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing",',
    ']',
    '[grpc]',
    `  address = "${socket}"`,
    '[ttrpc]',
    `  address = "${socket}.ttrpc"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
  return {
    name: 'containerd',
    kind: 'containerd',
    binary: 'containerd',
    args: ['--config', '${componentDir}/config.toml'],
    files: [{ path: 'config.toml', content: config, mode: 0o644, expandContent: true }],
    ports: [],
    probe: { type: 'exec', command: ['${binDir}/ctr', '--address', socket, '--timeout', '2s', 'version'], intervalSeconds: 1, timeoutSeconds: 3, failureThreshold: 3 },
    stopGracePeriodSeconds: 10,
  };
}

interface BuiltImage {
  name: string;
  file: string;
  sha256: string;
  manifestDigest: string;
}

suite(`images imported into a real containerd by the agent (${lookup.dir ?? 'no containerd'})`, () => {
  const binDir = lookup.dir!;
  let work: string;
  let server: TestServer;
  let admin: ReturnType<typeof apiClient>;
  let agent: ChildProcess;
  let hostId: string;
  let images: BuiltImage[];
  let socket: string;

  const ctr = (...args: string[]) => execFileSync(join(binDir, 'ctr'), ['--address', socket, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const listed = () => {
    const rows = ctr('images', 'ls').split('\n').slice(1).filter((l) => l.trim());
    return new Map(rows.map((l) => [l.split(/\s+/)[0], l]));
  };
  const host = async () => (await admin.get(`/v1/hosts/${hostId}`)).body;
  const containerd = async () => (await host()).components.find((c: { name: string }) => c.name === 'containerd');
  const push = async (image: BuiltImage) => {
    const res = await fetch(`${server.url}/v1/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/x-tar' },
      body: readFileSync(join(work, 'images', image.file)),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; sha256: string };
  };
  const agentLog = () => {
    try {
      return readFileSync(join(work, 'agent.log'), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '(no agent log)';
    }
  };

  beforeAll(async () => {
    if (spawnSync('runc', ['--version']).error) throw new Error('runc is not on PATH (containerd-shim-runc-v2 runs it): apt-get install -y runc');
    work = mkdtempSync(join(tmpdir(), 'corral-img-e2e-'));
    const agentMain = join(REPO, 'dist/apps/agent/src/main.js');
    const imagesMain = join(REPO, 'dist/tools/images/src/main.js');
    for (const main of [agentMain, imagesMain]) if (!existsSync(main)) throw new Error(`${main} is missing: npm run build first`);
    execFileSync(process.execPath, [imagesMain, 'build', '--out', join(work, 'images')], { stdio: ['ignore', 'ignore', 'pipe'] });
    images = JSON.parse(readFileSync(join(work, 'images', 'images.json'), 'utf8')).images;

    server = await startTestServer(isolatedConfig({ CORRAL_ROLE: 'api' }));
    admin = apiClient(server.url, server.adminKey);
    const token = (await admin.post('/v1/pools/images-e2e/registration-tokens', {})).body.token;
    const stateDir = join(work, 'state');
    socket = containerdSocket('containerd').replace('${dataDir}', join(stateDir, 'data', 'containerd'));
    const log = openSync(join(work, 'agent.log'), 'a');
    agent = spawn(
      process.execPath,
      [agentMain, '--server', server.url, '--ca-file', testTlsPaths().caFile, '--token', token, '--state-dir', stateDir, '--bin-dir', binDir, '--address', '127.0.0.1',
        '--hostname', 'images-e2e', '--roles', 'worker', '--heartbeat-interval', '500ms', '--poll-wait', '10s', '--stop-components-on-exit'],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    hostId = await eventually(async () => (await admin.get('/v1/hosts?pool=images-e2e')).body.items[0]?.id, { what: 'the agent to register', timeoutMs: 30_000 });
  }, 120_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
      clearTimeout(timer);
    }
    if (work) {
      killProcessesUnder(work);
      // snapshot mounts containerd may have left
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(`${work}/`));
      for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m]);
      rmSync(work, { recursive: true, force: true });
    }
    await server?.close();
  }, 60_000);

  it('imports a pushed archive once containerd is healthy: ctr -n k8s.io images ls lists it', async () => {
    const pause = images.find((i) => i.name === 'corral.local/pause:3.10')!;
    const stored = await push(pause);
    expect((await admin.put(`/v1/hosts/${hostId}/components`, { components: [containerdComponent()] })).status).toBe(200);

    await eventually(async () => (await containerd())?.observed?.healthy, { what: `containerd healthy\n${agentLog()}`, timeoutMs: 60_000 });
    await eventually(async () => listed().has(pause.name), { what: `${pause.name} in containerd\n${agentLog()}`, timeoutMs: 60_000, intervalMs: 250 });
    expect(listed().get(pause.name)).toContain(pause.manifestDigest);
    expect(listed().get(pause.name)).toContain('io.cri-containerd.pinned=pinned');

    const reported = await eventually(async () => {
      const images = (await host()).images as Array<{ name: string; imported: boolean }>;
      return images.length === 1 && images[0].imported ? images : null;
    }, { what: 'the host to report the image imported' });
    expect(reported).toEqual([{ id: stored.id, name: pause.name, sha256: pause.sha256, imported: true, message: null, failures: 0, importedAt: expect.any(String) }]);
    const markers = join(work, 'state', 'data', 'containerd', '.corral-images');
    expect(readdirSync(markers).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(readdirSync(markers).filter((f) => f.includes('download'))).toEqual([]);
    expect(await server.sql(`SELECT reason FROM events WHERE host_id = $1 AND reason = 'ImageImported'`, [hostId])).toHaveLength(1);
  });

  it('imports an image added later without restarting containerd', async () => {
    const before = await containerd();
    const busybox = images.find((i) => i.name.startsWith('corral.local/busybox:'))!;
    await push(busybox);
    await eventually(async () => listed().has(busybox.name), { what: `${busybox.name} in containerd\n${agentLog()}`, timeoutMs: 60_000, intervalMs: 250 });
    expect(listed().get(busybox.name)).toContain(busybox.manifestDigest);
    await eventually(async () => ((await host()).images as Array<{ imported: boolean }>).filter((i) => i.imported).length === 2, { what: 'both reported imported' });
    const after = await containerd();
    expect(after.observed.pid).toBe(before.observed.pid);
    expect(after.observed.restarts).toBe(before.observed.restarts);
    expect(after.desired.specHash).toBe(before.desired.specHash);
    expect(after.observed.since).toBe(before.observed.since);
  });

  it('imports an image again when containerd lost it (checked against ctr images ls once containerd is back)', async () => {
    const busybox = images.find((i) => i.name.startsWith('corral.local/busybox:'))!;
    ctr('images', 'rm', busybox.name);
    expect(listed().has(busybox.name)).toBe(false);
    const pid = (await containerd()).observed.pid as number;
    process.kill(pid, 'SIGKILL');
    await eventually(async () => {
      const c = await containerd();
      return c?.observed?.healthy && c.observed.pid !== pid;
    }, { what: `containerd restarted\n${agentLog()}`, timeoutMs: 60_000 });
    await eventually(async () => listed().has(busybox.name), { what: `${busybox.name} imported again\n${agentLog()}`, timeoutMs: 60_000, intervalMs: 250 });
    expect(listed().has('corral.local/pause:3.10')).toBe(true);
  });
});
