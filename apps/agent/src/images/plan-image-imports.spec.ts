import type { DesiredImage } from '@corral/contracts';
import { buildContainerd, containerdSocket } from '@corral/kube';
import { expandPlaceholders } from '@corral/contracts';
import type { ImageMarker } from './image-markers';
import { planImageImports, type ImportAttempts } from './plan-image-imports';
import { ctrImportArgs, describeCtrFailure, parseImageList } from './ctr';

const image = (name: string, sha: string): DesiredImage => ({ id: `id-${name}`, name, sha256: sha.repeat(64).slice(0, 64), sizeBytes: 10 });
const busybox = image('corral.local/busybox:1.35.0', 'b');
const pause = image('corral.local/pause:3.10', 'c');
const app = image('corral.local/app:1', 'a');
const marker = (i: DesiredImage, sha256 = i.sha256): ImageMarker => ({ name: i.name, sha256, imageId: i.id, importedAt: '2026-01-01T00:00:00.000Z' });
const NOW = 1_800_000_000_000;

describe('planImageImports', () => {
  it('imports what has no marker for its name and SHA-256, the sandbox image first', () => {
    const plan = planImageImports({ images: [app, busybox, pause], markers: new Map([[app.name, marker(app)]]), attempts: new Map(), containerd: 'healthy', now: NOW });
    expect(plan.due.map((i) => i.name)).toEqual([pause.name, busybox.name]);
    expect(plan.status).toEqual([
      { id: app.id, name: app.name, sha256: app.sha256, imported: true, message: null, failures: 0, importedAt: '2026-01-01T00:00:00.000Z' },
      { id: busybox.id, name: busybox.name, sha256: busybox.sha256, imported: false, message: 'importing', failures: 0, importedAt: null },
      { id: pause.id, name: pause.name, sha256: pause.sha256, imported: false, message: 'importing', failures: 0, importedAt: null },
    ]);
    expect(plan.nextDueInMs).toBeNull();
  });

  it('imports a replaced image again: a marker for the name with another SHA-256 does not count', () => {
    const plan = planImageImports({ images: [busybox], markers: new Map([[busybox.name, marker(busybox, 'f'.repeat(64))]]), attempts: new Map(), containerd: 'healthy', now: NOW });
    expect(plan.due).toEqual([busybox]);
  });

  it('imports nothing while containerd is unhealthy or absent, and says why', () => {
    const attempts = new Map<string, ImportAttempts>([[app.id, { failures: 2, nextAttemptAt: NOW - 1, lastError: 'import failed: boom (attempt 2)' }]]);
    const unhealthy = planImageImports({ images: [busybox, app], markers: new Map(), attempts, containerd: 'unhealthy', now: NOW });
    expect(unhealthy.due).toEqual([]);
    expect(unhealthy.status.map((s) => [s.message, s.failures])).toEqual([
      ['waiting for containerd to be healthy', 0],
      ['import failed: boom (attempt 2); waiting for containerd to be healthy', 2],
    ]);
    const absent = planImageImports({ images: [busybox], markers: new Map(), attempts: new Map(), containerd: 'absent', now: NOW });
    expect(absent).toMatchObject({ due: [], status: [{ imported: false, message: 'this host runs no containerd component' }] });
  });

  it('waits out the backoff of a failed image, reporting its last error and when it is tried again', () => {
    const attempts = new Map<string, ImportAttempts>([
      [busybox.id, { failures: 3, nextAttemptAt: NOW + 8000, lastError: 'download failed: 503 (attempt 3)' }],
      [app.id, { failures: 1, nextAttemptAt: NOW + 2000, lastError: 'import failed: ctr images import exited 1 (attempt 1)' }],
    ]);
    const plan = planImageImports({ images: [busybox, app], markers: new Map(), attempts, containerd: 'healthy', now: NOW });
    expect(plan.due).toEqual([]);
    expect(plan.nextDueInMs).toBe(2000);
    expect(plan.status[0]).toMatchObject({ imported: false, failures: 3, message: `download failed: 503 (attempt 3); next attempt at ${new Date(NOW + 8000).toISOString()}` });
    const later = planImageImports({ images: [busybox, app], markers: new Map(), attempts, containerd: 'healthy', now: NOW + 2000 });
    expect(later.due).toEqual([app]);
    expect(later.status[1].message).toBe('import failed: ctr images import exited 1 (attempt 1); importing again');
  });
});

describe('ctr', () => {
  it('imports an OCI layout tar locally into k8s.io, pinned against the kubelet image GC', () => {
    expect(ctrImportArgs('/s/containerd.sock', '/d/x.tar')).toEqual([
      '--address', '/s/containerd.sock', '--namespace', 'k8s.io', 'images', 'import', '--local', '--label', 'io.cri-containerd.pinned=pinned', '/d/x.tar',
    ]);
  });

  it('reads `ctr images ls` (sizes hold a space)', () => {
    const out = [
      'REF                         TYPE                                       DIGEST                                                                  SIZE      PLATFORMS   LABELS',
      `corral.local/busybox:1.35.0 application/vnd.oci.image.manifest.v1+json sha256:${'1'.repeat(64)} 1.0 MiB   linux/amd64 io.cri-containerd.image=managed,io.cri-containerd.pinned=pinned`,
      `sha256:${'2'.repeat(64)} application/vnd.oci.image.manifest.v1+json sha256:${'1'.repeat(64)} 1.0 MiB   linux/amd64 io.cri-containerd.image=managed`,
      '',
    ].join('\n');
    const refs = parseImageList(out);
    expect(refs.get('corral.local/busybox:1.35.0')).toBe(`sha256:${'1'.repeat(64)}`);
    expect(refs.size).toBe(2);
    expect(parseImageList('REF TYPE DIGEST SIZE PLATFORMS LABELS\n').size).toBe(0);
  });

  it('describes a failure by its exit and the last lines of its output', () => {
    expect(describeCtrFailure('ctr images import', { code: 1, signal: null, stdout: '', stderr: 'ctr: unrecognized image format\n' })).toBe('ctr images import exited 1: ctr: unrecognized image format');
    expect(describeCtrFailure('ctr images ls', { code: null, signal: 'SIGKILL', stdout: '', stderr: '' })).toBe('ctr images ls was killed by SIGKILL');
  });

  it("dials the socket containerd's own config listens on (the catalog's rule)", () => {
    const dataDir = '/var/lib/corral/data/containerd';
    const values = { dataDir, componentDir: '/var/lib/corral/components/containerd', address: '10.0.0.5', hostname: 'n1', binDir: '/opt/bin' };
    const spec = buildContainerd({ options: {}, host: { hostname: 'n1' }, podNetwork: { nodeCidr: '10.42.1.0/24', routes: [] } } as never);
    const config = expandPlaceholders(spec.files.find((f) => f.path === 'config.toml')!.content, values);
    const grpc = /^\[grpc\]\n\s*address = "([^"]+)"/m.exec(config)?.[1];
    expect(grpc).toBe(`${dataDir}/containerd.sock`);
    expect(expandPlaceholders(containerdSocket('containerd'), values)).toBe(grpc);
  });
});
