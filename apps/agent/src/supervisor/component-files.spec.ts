import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentFilePath, writeComponentFiles } from './component-files';

describe('component files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'corral-files-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes content with the exact mode, in sub-directories, leaving no temp files', () => {
    writeComponentFiles(dir, [
      { path: 'pki/server.key', content: 'KEY', mode: 0o600 },
      { path: `${dir}/config.yaml`, content: 'a: 1\n', mode: 0o644 },
    ]);
    expect(readFileSync(join(dir, 'pki/server.key'), 'utf8')).toBe('KEY');
    expect(statSync(join(dir, 'pki/server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'config.yaml')).mode & 0o777).toBe(0o644);
    writeComponentFiles(dir, [{ path: 'pki/server.key', content: 'NEW', mode: 0o600 }]);
    expect(readFileSync(join(dir, 'pki/server.key'), 'utf8')).toBe('NEW');
    expect(readdirSync(join(dir, 'pki'))).toEqual(['server.key']);
  });

  it('refuses paths outside the component directory', () => {
    expect(() => componentFilePath(dir, '../evil')).toThrow(/outside/);
    expect(() => componentFilePath(dir, '/etc/passwd')).toThrow(/outside/);
    expect(() => componentFilePath(dir, '.')).toThrow(/outside/);
    expect(componentFilePath(dir, 'a/../b')).toBe(join(dir, 'b'));
  });
});
