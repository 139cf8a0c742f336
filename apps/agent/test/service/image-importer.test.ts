import type { DesiredImage, DesiredState, ObservedImage } from '@corral/contracts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ImageImporter } from '../../src/images/image-importer';
import { IMAGE_MARKER_DIR } from '../../src/images/image-markers';
import { StateDir } from '../../src/state-dir/state-dir';
import { waitFor } from '../support/wait-for';

jest.setTimeout(30_000);

const logger = pino({ level: process.env.AGENT_TEST_LOG ?? 'silent' });
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The importer's decisions with a scripted ctr (records its calls, fails on demand, lists what
 * it "imported") and an in-memory download: when it imports, what it reports, how it retries.
 * The real containerd is in apps/server/test/images-containerd.test.ts.
 */
describe('ImageImporter', () => {
  let root: string;
  let binDir: string;
  const importers: Array<{ stop: AbortController; done: Promise<void> }> = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-importer-'));
    binDir = join(root, 'bin');
    mkdirSync(binDir);
    // ctr --address A --namespace N images import|ls ...: logs its arguments; `import` fails
    // while $CTR_FAIL exists, else copies the archive's name into the list `ls` prints
    writeFileSync(
      join(binDir, 'ctr'),
      [
        '#!/bin/sh',
        'dir=$(dirname "$0")',
        'echo "$*" >> "$dir/calls"',
        'case "$5 $6" in',
        '  "images import")',
        '    if [ -e "$dir/fail" ]; then echo "ctr: failed to import: $(cat "$dir/fail")" >&2; exit 1; fi',
        '    eval "file=\\${$#}"',
        '    test -f "$file" || { echo "ctr: no such file $file" >&2; exit 2; }',
        '    cat "$file" >> "$dir/imported"; echo >> "$dir/imported"',
        '    echo "unpacking $(cat "$file")...done";;',
        '  "images ls")',
        '    echo "REF TYPE DIGEST SIZE PLATFORMS LABELS"',
        '    [ -e "$dir/list" ] && cat "$dir/list"; exit 0;;',
        '  *) echo "unexpected: $*" >&2; exit 3;;',
        'esac',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  });
  afterAll(async () => {
    for (const i of importers) i.stop.abort();
    await Promise.all(importers.map((i) => i.done));
    rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of ['calls', 'imported', 'fail', 'list']) rmSync(join(binDir, f), { force: true });
  });
  afterEach(async () => {
    // each test's importer stops, so none calls the scripted ctr during the next test
    for (const i of importers) i.stop.abort();
    await Promise.all(importers.splice(0).map((i) => i.done));
  });

  const calls = () => (existsSync(join(binDir, 'calls')) ? readFileSync(join(binDir, 'calls'), 'utf8').trim().split('\n') : []);
  const imported = () => (existsSync(join(binDir, 'imported')) ? readFileSync(join(binDir, 'imported'), 'utf8').trim().split('\n') : []);

  /** an "archive" is its name: the scripted ctr records that */
  const image = (name: string, content = name): DesiredImage & { content: string } => ({ id: `${sha256(name).slice(0, 8)}-0000-4000-8000-${sha256(content).slice(0, 12)}`, name, sha256: sha256(content), sizeBytes: content.length, content });
  const desired = (images: DesiredImage[] | undefined, withContainerd = true): DesiredState => ({
    hostId: 'h1',
    revision: 1,
    components: withContainerd ? [{ name: 'containerd', kind: 'containerd', specHash: 'x', spec: { name: 'containerd', kind: 'containerd', binary: 'containerd', args: [], files: [], ports: [] } }] : [],
    ...(images ? { images } : {}),
  });

  function start(stateName: string, served: Map<string, string>, options: { healthy?: () => boolean } = {}) {
    const stateDir = new StateDir(join(root, stateName));
    stateDir.ensure();
    let health = options.healthy ?? (() => true);
    const downloads: string[] = [];
    const changes: Array<ObservedImage[] | undefined> = [];
    const importer: ImageImporter = new ImageImporter({
      stateDir,
      binDir,
      logger,
      backoff: { baseMs: 100, maxMs: 400, jitter: 0 },
      healthy: (name) => name === 'containerd' && health(),
      onChange: () => changes.push(importer.snapshot()),
      download: async (path, file) => {
        downloads.push(path);
        const id = decodeURIComponent(/^\/v1\/agent\/images\/([^/]+)\/data$/.exec(path)![1]);
        const body = served.get(id);
        if (body === undefined) throw new Error(`GET ${path}: 404`);
        writeFileSync(file, body, { mode: 0o600 });
        return { sha256: sha256(body), bytes: body.length };
      },
    });
    const stop = new AbortController();
    importers.push({ stop, done: importer.run(stop.signal) });
    const dataDir = stateDir.dataDir('containerd');
    return {
      importer,
      downloads,
      changes,
      dataDir,
      setHealthy(h: () => boolean) {
        health = h;
        importer.componentsChanged();
      },
      status: () => importer.snapshot(),
      markers: () => (existsSync(join(dataDir, IMAGE_MARKER_DIR)) ? readdirSync(join(dataDir, IMAGE_MARKER_DIR)) : []),
    };
  }

  it('reports nothing until the server sends images, then imports each missing one once containerd is healthy', async () => {
    const pause = image('corral.local/pause:3.10');
    const busybox = image('corral.local/busybox:1.35.0');
    const served = new Map([pause, busybox].map((i) => [i.id, i.content]));
    let healthy = false;
    const h = start('first', served, { healthy: () => healthy });
    h.importer.setDesired(desired(undefined));
    await new Promise((r) => setTimeout(r, 200));
    expect(h.status()).toBeUndefined();

    h.importer.setDesired(desired([busybox, pause]));
    await waitFor('waiting for containerd', () => h.status()?.every((s) => s.message === 'waiting for containerd to be healthy'), 5000, 20, h.status);
    expect(calls()).toEqual([]);

    healthy = true;
    h.importer.componentsChanged();
    await waitFor('both imported', () => h.status()?.every((s) => s.imported), 5000, 20, h.status);
    // the sandbox image first; a download per image, removed afterwards; a marker per image
    expect(imported()).toEqual([pause.content, busybox.content]);
    expect(h.downloads).toEqual([`/v1/agent/images/${pause.id}/data`, `/v1/agent/images/${busybox.id}/data`]);
    const sock = join(h.dataDir, 'containerd.sock');
    expect(calls()).toEqual([
      expect.stringMatching(new RegExp(`^--address ${sock} --namespace k8s.io images import --local --label io.cri-containerd.pinned=pinned ${h.dataDir}/${IMAGE_MARKER_DIR}/\\.download-${pause.sha256}\\.tar$`)),
      expect.stringContaining(`images import --local --label io.cri-containerd.pinned=pinned ${h.dataDir}/${IMAGE_MARKER_DIR}/.download-${busybox.sha256}.tar`),
    ]);
    expect(h.markers().sort()).toHaveLength(2);
    expect(h.markers().some((f) => f.includes('download'))).toBe(false);
    expect(h.status()).toEqual([
      { id: busybox.id, name: busybox.name, sha256: busybox.sha256, imported: true, message: null, failures: 0, importedAt: expect.any(String) },
      { id: pause.id, name: pause.name, sha256: pause.sha256, imported: true, message: null, failures: 0, importedAt: expect.any(String) },
    ]);

    // a new desired state with the same images imports nothing again
    h.importer.setDesired({ ...desired([busybox, pause]), revision: 2 });
    await new Promise((r) => setTimeout(r, 300));
    expect(imported()).toHaveLength(2);
  });

  it('retries a failed import with backoff, reporting each failure, until it succeeds', async () => {
    const app = image('corral.local/app:1');
    const served = new Map([[app.id, 'not what was announced']]);
    const h = start('retry', served);
    h.importer.setDesired(desired([app]));
    const mismatch = await waitFor('a failed download', () => h.status()?.find((s) => (s.failures ?? 0) >= 1), 5000, 20, h.status);
    expect(mismatch.message).toMatch(new RegExp(`^download failed: its SHA-256 is ${sha256('not what was announced')} .*expected ${app.sha256} \\(attempt 1\\)`));
    expect(imported()).toEqual([]);

    // the server has it right now, but ctr fails: the next failure says so
    served.set(app.id, app.content);
    writeFileSync(join(binDir, 'fail'), 'disk full');
    await waitFor('a failed ctr', () => h.status()?.find((s) => s.message?.includes('ctr images import exited 1')), 5000, 20, h.status);
    const failing = h.status()![0];
    expect(failing.message).toContain('ctr: failed to import: disk full');
    expect(failing.failures).toBeGreaterThanOrEqual(2);
    expect(failing.imported).toBe(false);

    rmSync(join(binDir, 'fail'));
    await waitFor('imported at last', () => h.status()?.[0].imported, 5000, 20, h.status);
    expect(h.status()![0]).toMatchObject({ imported: true, failures: 0, message: null });
    expect(imported()).toEqual([app.content]);
    expect(h.markers().some((f) => f.includes('download'))).toBe(false);
  });

  it('imports a replaced image (same name, other content) again, and everything again into a wiped data dir', async () => {
    const v1 = image('corral.local/app:2', 'version one');
    const v2 = image('corral.local/app:2', 'version two');
    const served = new Map([
      [v1.id, v1.content],
      [v2.id, v2.content],
    ]);
    const h = start('replace', served);
    h.importer.setDesired(desired([v1]));
    await waitFor('v1 imported', () => h.status()?.[0].imported, 5000, 20, h.status);
    h.importer.setDesired(desired([v2]));
    await waitFor('v2 imported', () => h.status()?.[0].imported && h.status()![0].sha256 === v2.sha256, 5000, 20, h.status);
    expect(imported()).toEqual(['version one', 'version two']);
    expect(h.markers()).toHaveLength(1);

    // containerd's data dir wiped (component removed and added back): its markers went with it
    h.setHealthy(() => false);
    rmSync(h.dataDir, { recursive: true, force: true });
    mkdirSync(h.dataDir, { recursive: true });
    h.setHealthy(() => true);
    h.importer.setDesired({ ...desired([v2]), revision: 5 });
    await waitFor('v2 imported again', () => imported().length === 3, 5000, 20, h.status);
    expect(imported()[2]).toBe('version two');
  });

  it('trusts a marker only while containerd lists the image (checked when containerd comes back)', async () => {
    const app = image('corral.local/app:3');
    const h = start('verify', new Map([[app.id, app.content]]));
    h.importer.setDesired(desired([{ ...app, manifestDigest: `sha256:${'1'.repeat(64)}` }]));
    await waitFor('imported', () => h.status()?.[0].imported, 5000, 20, h.status);
    expect(imported()).toHaveLength(1);

    // containerd restarts and lists the image with its digest: nothing to do
    writeFileSync(join(binDir, 'list'), `corral.local/app:3 application/vnd.oci.image.manifest.v1+json sha256:${'1'.repeat(64)} 1 KiB linux/amd64 -\n`);
    h.setHealthy(() => false);
    h.setHealthy(() => true);
    await waitFor('a list call', () => calls().some((c) => c.includes('images ls')), 5000, 20, calls);
    await new Promise((r) => setTimeout(r, 200));
    expect(imported()).toHaveLength(1);

    // it restarts without the image: imported again
    writeFileSync(join(binDir, 'list'), '');
    h.setHealthy(() => false);
    h.setHealthy(() => true);
    await waitFor('imported again', () => imported().length === 2, 5000, 20, calls);
  });

  it('says so when the host has no containerd component', async () => {
    const app = image('corral.local/app:4');
    const h = start('absent', new Map([[app.id, app.content]]));
    h.importer.setDesired(desired([app], false));
    await waitFor('a status', () => h.status()?.length === 1, 5000, 20, h.status);
    expect(h.status()![0]).toMatchObject({ imported: false, message: 'this host runs no containerd component' });
    expect(calls()).toEqual([]);
  });
});
