import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureSysctls, sysctlPath } from './sysctls';

describe('ensureSysctls', () => {
  let root: string;
  const put = (key: string, value: string) => {
    const path = sysctlPath(root, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${value}\n`);
  };
  const read = (key: string) => readFileSync(sysctlPath(root, key), 'utf8').trim();

  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pod-network-sysctl-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('turns on forwarding and bridge netfilter, writing only what differs', async () => {
    put('net.ipv4.ip_forward', '0');
    put('net.bridge.bridge-nf-call-iptables', '0');
    expect(await ensureSysctls(root)).toEqual({ changed: ['net.ipv4.ip_forward=1', 'net.bridge.bridge-nf-call-iptables=1'], skipped: [] });
    expect(read('net.ipv4.ip_forward')).toBe('1');
    expect(read('net.bridge.bridge-nf-call-iptables')).toBe('1');
    expect(await ensureSysctls(root)).toEqual({ changed: [], skipped: [] });
  });

  it('skips bridge netfilter without /proc/sys/net/bridge, saying why', async () => {
    put('net.ipv4.ip_forward', '1');
    const result = await ensureSysctls(root);
    expect(result.changed).toEqual([]);
    expect(result.skipped).toEqual([expect.stringContaining('net.bridge.bridge-nf-call-iptables: br_netfilter is not loaded')]);
  });

  it('names the sysctl and the file when it cannot be written', async () => {
    put('net.ipv4.ip_forward', '0');
    if (process.getuid?.() === 0) {
      // root writes through file modes: make the path unwritable another way
      rmSync(sysctlPath(root, 'net.ipv4.ip_forward'));
      mkdirSync(sysctlPath(root, 'net.ipv4.ip_forward'));
      await expect(ensureSysctls(root)).rejects.toThrow(`sysctl net.ipv4.ip_forward: read ${sysctlPath(root, 'net.ipv4.ip_forward')}: EISDIR`);
      return;
    }
    chmodSync(sysctlPath(root, 'net.ipv4.ip_forward'), 0o444);
    await expect(ensureSysctls(root)).rejects.toThrow(`sysctl net.ipv4.ip_forward=1: write ${sysctlPath(root, 'net.ipv4.ip_forward')}: EACCES`);
  });
});
