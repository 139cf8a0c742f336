import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, readConfig, resolveConnection, writeConfig } from './cli-config';
import { UsageError } from '../exit-codes';

describe('CLI configuration', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'corral-cli-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives in CORRAL_CONFIG, XDG_CONFIG_HOME or ~/.config', () => {
    expect(configPath({ CORRAL_CONFIG: '/x/c.json' }, '/home/u')).toBe('/x/c.json');
    expect(configPath({ XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/corral/config.json');
    expect(configPath({}, '/home/u')).toBe('/home/u/.config/corral/config.json');
  });

  it('is written for its owner only (0600 in a 0700 directory), also over a looser file', () => {
    const path = join(dir, 'nested', 'config.json');
    writeConfig(path, { server: 'http://s', token: 't1' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    writeFileSync(path, '{}', { mode: 0o644 });
    writeConfig(path, { server: 'http://s', token: 't2' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readConfig(path)).toEqual({ server: 'http://s', token: 't2' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ server: 'http://s', token: 't2' });
  });

  it('reads nothing from a missing file and refuses a broken one', () => {
    expect(readConfig(join(dir, 'none.json'))).toEqual({});
    writeFileSync(join(dir, 'bad.json'), '{');
    expect(() => readConfig(join(dir, 'bad.json'))).toThrow(UsageError);
  });

  it('takes the server from --server, CORRAL_URL, then the file; the key from CORRAL_TOKEN, then the file', () => {
    const stored = { server: 'http://file:1', token: 'file-token' };
    expect(resolveConnection({}, {}, stored)).toEqual({ server: 'http://file:1', token: 'file-token' });
    expect(resolveConnection({}, { CORRAL_URL: 'http://env:2/', CORRAL_TOKEN: 'env-token' }, stored)).toEqual({ server: 'http://env:2', token: 'env-token' });
    expect(resolveConnection({ server: 'https://flag' }, { CORRAL_URL: 'http://env:2' }, stored).server).toBe('https://flag');
    expect(() => resolveConnection({}, {}, { token: 't' })).toThrow(/corral login --server/);
    expect(() => resolveConnection({}, { CORRAL_URL: 'http://s' }, {})).toThrow(/CORRAL_TOKEN/);
    expect(() => resolveConnection({ server: 'ftp://x' }, {}, stored)).toThrow(UsageError);
  });
});
