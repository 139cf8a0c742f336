import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RotatingLogFile, rotationRenames } from './rotating-log-file';

describe('rotationRenames', () => {
  it('shifts oldest first so nothing is overwritten', () => {
    expect(rotationRenames('/l/etcd.log', 3)).toEqual([
      { from: '/l/etcd.log.2', to: '/l/etcd.log.3' },
      { from: '/l/etcd.log.1', to: '/l/etcd.log.2' },
    ]);
    expect(rotationRenames('/l/x.log', 1)).toEqual([]);
  });
});

describe('RotatingLogFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'corral-log-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates past maxBytes, keeps `keep` files and drops the oldest', () => {
    const path = join(dir, 'c.log');
    const log = new RotatingLogFile(path, { maxBytes: 10, keep: 2 });
    writeFileSync(path, 'short\n');
    expect(log.rotateIfNeeded()).toBe(false);
    for (const gen of ['first-generation\n', 'second-generation\n', 'third-generation\n']) {
      writeFileSync(path, gen);
      expect(log.rotateIfNeeded()).toBe(true);
    }
    expect(readFileSync(path, 'utf8')).toBe('');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('third-generation\n');
    expect(readFileSync(`${path}.2`, 'utf8')).toBe('second-generation\n');
    expect(existsSync(`${path}.3`)).toBe(false);
  });

  it('lets an O_APPEND writer carry on at the start of the truncated file', () => {
    const path = join(dir, 'c.log');
    const log = new RotatingLogFile(path, { maxBytes: 4, keep: 1 });
    const fd = log.openForChild();
    try {
      writeSync(fd, 'before rotation\n');
      log.rotateIfNeeded();
      writeSync(fd, 'after\n');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe('after\n');
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('before rotation\n');
  });

  it('tails the last lines, also of a file bigger than the read window', () => {
    const path = join(dir, 'c.log');
    const log = new RotatingLogFile(path);
    expect(log.tail(5)).toEqual([]);
    const fd = openSync(path, 'w');
    for (let i = 0; i < 20000; i++) writeSync(fd, `line ${i}\n`);
    closeSync(fd);
    expect(log.tail(3)).toEqual(['line 19997', 'line 19998', 'line 19999']);
    log.appendLine('agent note');
    expect(log.tail(1)).toEqual(['agent note']);
  });
});
