import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../src/kube-bin-dir';

/**
 * bin/corral-teardown, the catalog's cleanup steps (a teardown step may run only what is in the
 * agent's --bin-dir): run from a bin dir beside a recording `ctr`, with recording iptables,
 * ip6tables, ip, pkill and find first on PATH, so the test sees every command it would run on a
 * host without touching this machine. Real containerd, chains and bridges: real-workloads.test.ts.
 */
describe('corral-teardown', () => {
  let root: string;
  let binDir: string;
  let tools: string;
  let calls: string;
  const SOCKET = '/state/data/containerd/containerd.sock';
  const CHAINS = ['KUBE-FIREWALL', 'KUBE-KUBELET-CANARY', 'KUBE-IPTABLES-HINT'];

  /** a tool that records its name and argv (one line, arguments joined by |), then runs `body` */
  const recorder = (dir: string, name: string, body = '') => {
    writeFileSync(join(dir, name), `#!/bin/sh\n(IFS='|'; echo "${name}|$*") >> "${calls}"\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-teardown-'));
    binDir = join(root, 'bin');
    tools = join(root, 'tools');
    calls = join(root, 'calls');
    mkdirSync(binDir);
    mkdirSync(tools);
    symlinkSync(join(repoRoot(), 'bin/corral-teardown'), join(binDir, 'corral-teardown'));
    // two tasks and one container in the k8s.io namespace
    recorder(binDir, 'ctr', 'case "$*" in *"tasks ls -q") printf "t1\\nt2\\n" ;; *"containers ls -q") echo c1 ;; esac');
    // the filter table holds two jumps to the kubelet's chains (one with a quoted comment) and two that only look alike
    recorder(tools, 'iptables', [
      'if [ "$1 $2 $3" = "-t filter -S" ]; then',
      '  echo "-A INPUT -j KUBE-FIREWALL"',
      '  echo \'-A OUTPUT -m comment --comment "kubelet canary" -j KUBE-KUBELET-CANARY\'',
      '  echo "-A INPUT -j KUBE-FIREWALL-X"',
      '  echo "-A FORWARD -j KUBE-FORWARD"',
      'fi',
    ].join('\n'));
    for (const name of ['ip6tables', 'ip', 'pkill', 'find']) recorder(tools, name);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    const result = spawnSync(join(binDir, 'corral-teardown'), args, { encoding: 'utf8', env: { PATH: `${tools}:/usr/sbin:/usr/bin:/sbin:/bin` }, timeout: 20_000 });
    return { code: result.status, stderr: result.stderr, calls: existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [] };
  };

  it('containers: kills, then deletes every task, then deletes every container of k8s.io, with the ctr beside it', () => {
    const ctr = `ctr|--address|${SOCKET}|--namespace|k8s.io|--timeout|10s`;
    expect(run('containers', '--address', SOCKET)).toEqual({
      code: 0,
      stderr: '',
      calls: [
        `${ctr}|tasks|ls|-q`, `${ctr}|tasks|kill|--all|--signal|SIGKILL|t1`, `${ctr}|tasks|kill|--all|--signal|SIGKILL|t2`,
        `${ctr}|tasks|ls|-q`, `${ctr}|tasks|delete|--force|t1`, `${ctr}|tasks|delete|--force|t2`,
        `${ctr}|containers|ls|-q`, `${ctr}|containers|delete|c1`,
      ],
    });
  });

  it('pod-network: the socket\'s leftover shims, the bridge cni0 (pod cgroups: real-workloads.test.ts)', () => {
    const result = run('pod-network', '--address', SOCKET);
    expect(result.code).toBe(0);
    expect(result.calls).toEqual([`pkill|-9|-f|--|[c]ontainerd-shim-runc-v2 .*-address ${SOCKET}`, 'ip|link|delete|cni0']);
  });

  it('kubelet-chains: deletes the jumps to the kubelet\'s chains, then flushes and deletes them, in filter, nat and mangle, IPv4 and IPv6', () => {
    const result = run('kubelet-chains');
    expect(result.code).toBe(0);
    const expected: string[] = [];
    for (const ipt of ['iptables', 'ip6tables']) {
      for (const t of ['filter', 'nat', 'mangle']) {
        expected.push(`${ipt}|-t|${t}|-S`);
        // eval keeps the comment one argument, as iptables needs it
        if (ipt === 'iptables' && t === 'filter') expected.push(`${ipt}|-w|5|-t|filter|-D|INPUT|-j|KUBE-FIREWALL`, `${ipt}|-w|5|-t|filter|-D|OUTPUT|-m|comment|--comment|kubelet canary|-j|KUBE-KUBELET-CANARY`);
        for (const c of CHAINS) expected.push(`${ipt}|-w|5|-t|${t}|-F|${c}`, `${ipt}|-w|5|-t|${t}|-X|${c}`);
      }
    }
    expect(result.calls).toEqual(expected);
  });

  it.each([
    [[]],
    [['shell', '-c', 'id']],
    [['kubelet-chains', 'extra']],
    [['containers']],
    [['containers', '--address']],
    [['containers', '--socket', SOCKET]],
    [['containers', '--address', SOCKET, 'extra']],
    [['containers', '--address', 'containerd.sock']],
    [['containers', '--address', '/run/docker.sock']],
    [['pod-network', '--address', '/x/$(id)/containerd.sock']],
    [['pod-network', '--address', '/x y/containerd.sock']],
    [['pod-network', '--address', '/x/../containerd.sock']],
    [['pod-network', '--address', '/x//containerd.sock']],
    [['pod-network', '--address', '/.*/containerd.sock']],
  ])('refuses %j and runs nothing', (args) => {
    const result = run(...args);
    expect({ code: result.code, calls: result.calls }).toEqual({ code: 2, calls: [] });
    expect(result.stderr).toMatch(/^(usage: corral-teardown|corral-teardown: --address)/);
  });
});
