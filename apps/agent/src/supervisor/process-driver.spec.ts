import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryNotFoundError, ProcessDriver } from './process-driver';

describe('ProcessDriver.resolveInBinDir (exec probe executables)', () => {
  let root: string;
  let binDir: string;
  let driver: ProcessDriver;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-driver-'));
    binDir = join(root, 'bin');
    mkdirSync(binDir);
    for (const path of [join(binDir, 'check'), join(root, 'outside')]) {
      writeFileSync(path, '#!/bin/sh\nexit 0\n');
      chmodSync(path, 0o755);
    }
    driver = new ProcessDriver({ binDir });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a plain name or an absolute path directly in the bin dir', () => {
    expect(driver.resolveInBinDir('check')).toBe(join(binDir, 'check'));
    expect(driver.resolveInBinDir(join(binDir, 'check'))).toBe(join(binDir, 'check'));
    expect(driver.resolveInBinDir(`${binDir}/sub/../check`)).toBe(join(binDir, 'check'));
  });

  it.each([['/bin/sh'], ['/bin/true']])('refuses %s, a host program outside the bin dir', (path) => {
    expect(() => driver.resolveInBinDir(path)).toThrow(BinaryNotFoundError);
    expect(() => driver.resolveInBinDir(path)).toThrow(/outside the bin dir/);
  });

  it('refuses paths that climb out of the bin dir or name a subdirectory', () => {
    expect(() => driver.resolveInBinDir(`${binDir}/../outside`)).toThrow(/outside the bin dir/);
    mkdirSync(join(binDir, 'sub'), { recursive: true });
    expect(() => driver.resolveInBinDir(`${binDir}/sub/check`)).toThrow(/outside the bin dir/);
    expect(() => driver.resolveInBinDir('../outside')).toThrow(/plain file name/);
  });
});
