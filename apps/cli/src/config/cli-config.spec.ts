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
    const stored = { server: 'https://file:1', token: 'file-token', caFile: '/etc/corral/ca.crt' };
    expect(resolveConnection({}, {}, stored)).toEqual({ server: 'https://file:1', token: 'file-token', caFile: '/etc/corral/ca.crt' });
    expect(resolveConnection({}, { CORRAL_URL: 'https://env:2/', CORRAL_TOKEN: 'env-token', CORRAL_CA_FILE: 'ca.pem' }, stored)).toEqual({ server: 'https://env:2', token: 'env-token', caFile: 'ca.pem' });
    expect(resolveConnection({ server: 'https://flag', caFile: 'flag.pem' }, { CORRAL_URL: 'https://env:2' }, stored)).toMatchObject({ server: 'https://flag', caFile: 'flag.pem' });
    expect(() => resolveConnection({}, {}, { token: 't' })).toThrow(/corral login --server/);
    expect(() => resolveConnection({}, { CORRAL_URL: 'https://s' }, {})).toThrow(/CORRAL_TOKEN/);
    expect(() => resolveConnection({ server: 'ftp://x' }, {}, stored)).toThrow(UsageError);
  });

  it('refuses plain http unless --insecure-http (or CORRAL_INSECURE_HTTP) names a loopback server', () => {
    const stored = { token: 't' };
    expect(() => resolveConnection({ server: 'http://127.0.0.1:8080' }, {}, stored)).toThrow(/plain HTTP.*--insecure-http/);
    expect(resolveConnection({ server: 'http://127.0.0.1:8080', insecureHttp: true }, {}, stored).server).toBe('http://127.0.0.1:8080');
    expect(resolveConnection({ server: 'http://127.0.0.1:8080' }, { CORRAL_INSECURE_HTTP: '1' }, stored).server).toBe('http://127.0.0.1:8080');
    expect(() => resolveConnection({ server: 'http://10.0.0.1:8080', insecureHttp: true }, {}, stored)).toThrow(/loopback development only/);
  });
});
