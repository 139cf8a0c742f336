import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociArchive, ServerProcess, startServerProcess } from '@corral/testing';
import { inProcessCli } from '../support/in-process-cli';

jest.setTimeout(120_000);

/** `corral image import | list | delete` in-process against a real server process. */
describe('corral image', () => {
  let server: ServerProcess;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-cli-image-'));
    server = await startServerProcess({ CORRAL_ROLE: 'api' });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const corral = (...argv: string[]) => inProcessCli(() => server, dir)(...argv);

  it('imports an archive (again: no change), lists it, and deletes it by name or id', async () => {
    const file = join(dir, 'tool_1.0.tar');
    writeFileSync(file, ociArchive({ name: 'corral.local/tool:1.0', content: 'tool layer' }));
    const first = await corral('image', 'import', file);
    expect(first).toMatchObject({ code: 0, err: '' });
    const image = JSON.parse(first.out);
    expect(image).toMatchObject({ name: 'corral.local/tool:1.0', source: 'uploaded', sizeBytes: expect.any(Number) });
    const again = await corral('-o', 'table', 'image', 'import', file);
    expect(again.out).toMatch(/^image corral.local\/tool:1.0 already stored \(/);

    const table = await corral('-o', 'table', 'image', 'list');
    expect(table.out.split('\n')[0]).toMatch(/^NAME\s+ID\s+SIZE\s+SOURCE\s+SHA256\s+AGE$/);
    expect(table.out).toContain(`corral.local/tool:1.0   ${image.id}`);
    expect(JSON.parse((await corral('image', 'list')).out).items).toEqual([image]);

    expect(await corral('-o', 'table', 'image', 'delete', 'corral.local/tool:1.0')).toMatchObject({ code: 0, out: 'image corral.local/tool:1.0 deleted\n' });
    expect(JSON.parse((await corral('image', 'list')).out).items).toEqual([]);
    expect(await corral('image', 'delete', image.id)).toMatchObject({ code: 1, err: `corral: image ${image.id} not found\n` });
    expect(await corral('image', 'delete', image.id, '--ignore-not-found')).toMatchObject({ code: 0 });
  });

  it('exits 3 on a missing file or an archive the server refuses (naming what is wrong), 1 on a conflict', async () => {
    expect(await corral('image', 'import', join(dir, 'nope.tar'))).toMatchObject({ code: 3, err: expect.stringContaining('nope.tar: no such file') });
    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, Buffer.alloc(4096, 'x'));
    expect(await corral('image', 'import', bad)).toMatchObject({ code: 3, err: expect.stringContaining('400 Bad Request: body: is not a tar archive') });
    const pause = join(dir, 'pause.tar');
    writeFileSync(pause, ociArchive({ name: 'corral.local/pause:3.10', content: 'pause' }));
    expect((await corral('image', 'import', pause)).code).toBe(0);
    const refused = await corral('image', 'delete', 'corral.local/pause:3.10');
    expect(refused).toMatchObject({ code: 1, err: expect.stringContaining('409 Conflict') });
  });
});
