import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cgroupLayout, hostCgroupDirs, nodeEnterArgv, nodeSetupScript, readMountInfo, runIdOfCgroup, shQuote } from './node-host';

// a systemd-style cgroup v1 machine: cpu and cpuacct co-mounted, a named hierarchy, hybrid cgroup2
const MOUNTINFO = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
33 31 0:30 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
36 27 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw
`;
const LINKS = [
  { name: 'cpu', target: 'cpu,cpuacct' },
  { name: 'cpuacct', target: 'cpu,cpuacct' },
];

function entries() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'node-host-spec-'));
  try {
    fs.writeFileSync(path.join(dir, 'mountinfo'), MOUNTINFO);
    return readMountInfo(path.join(dir, 'mountinfo'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('node host cgroup layout', () => {
  it('reads mountinfo, unescaping paths', () => {
    const e = entries();
    expect(e.find((x) => x.fstype === 'tmpfs' && x.mountpoint.startsWith('/mnt'))?.mountpoint).toBe('/mnt/with space');
    expect(e.find((x) => x.mountpoint === '/sys/fs/cgroup/memory')).toMatchObject({ root: '/', fstype: 'cgroup', superOptions: 'rw,memory' });
  });

  it('takes every hierarchy under /sys/fs/cgroup, co-mounted ones once, without release_agent', () => {
    const layout = cgroupLayout(entries(), LINKS);
    expect(layout.hierarchies.map((h) => [h.name, h.type, h.options])).toEqual([
      ['unified', 'cgroup2', 'rw,nsdelegate'],
      ['systemd', 'cgroup', 'rw,xattr,name=systemd'],
      ['cpu,cpuacct', 'cgroup', 'rw,cpu,cpuacct'],
      ['memory', 'cgroup', 'rw,memory'],
    ]);
    expect(hostCgroupDirs(layout, 'a1b2c3', 'h4')).toContain('/sys/fs/cgroup/cpu,cpuacct/corral-hosts/a1b2c3-h4');
    expect(runIdOfCgroup('/sys/fs/cgroup/memory/corral-hosts/a1b2c3-h4')).toBe('a1b2c3');
    expect(runIdOfCgroup('/sys/fs/cgroup/memory/corral-hosts/a1b2c3-h4/kubepods')).toBeNull();
    expect(runIdOfCgroup('/sys/fs/cgroup/memory/other/a1b2c3-h4')).toBeNull();
  });

  it('refuses a cgroup v2 only machine', () => {
    const v2 = [{ root: '/', mountpoint: '/sys/fs/cgroup', fstype: 'cgroup2', source: 'cgroup2', superOptions: 'rw' }];
    expect(() => cgroupLayout(v2, [])).toThrow(/cgroup v1/);
  });
});

describe('node host setup script', () => {
  const layout = cgroupLayout(entries(), LINKS);
  const script = nodeSetupScript({
    layout,
    cgroupPath: '/corral-hosts/a1b2c3-h0',
    hostname: 'crl-a1b2c3-h0',
    privateMounts: [{ source: "/tmp/work dir/h0/node/var/lib/kubelet's", target: '/var/lib/kubelet' }],
  });

  it('binds each hierarchy subtree at its usual place and recreates co-mount symlinks', () => {
    expect(script).toContain(`mount -t cgroup -o 'rw,cpu,cpuacct' cgroup "$S"`);
    expect(script).toContain(`mount --bind "$S"'/corral-hosts/a1b2c3-h0' "$C"/'cpu,cpuacct'`);
    expect(script).toContain(`mount -t cgroup2 -o 'rw,nsdelegate' cgroup "$S"`);
    expect(script).toContain(`ln -s 'cpu,cpuacct' "$C"/'cpu'`);
    // the tmpfs on /sys/fs/cgroup comes before the binds, /run after them
    expect(script.indexOf('tmpfs "$C"')).toBeLessThan(script.indexOf('mount --bind "$S"'));
    expect(script).toContain('tmpfs /run');
  });

  it('quotes paths for sh, binds the private dirs, and waits for the harness last', () => {
    expect(script).toContain(`mount --bind '/tmp/work dir/h0/node/var/lib/kubelet'\\''s' '/var/lib/kubelet'`);
    expect(script.trim().split('\n').pop()).toMatch(/^exec unshare --cgroup sh -c 'echo "ready \$\$"; read -r x/);
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
  });

  it('enters all the namespaces, then the cgroups, then the working dir', () => {
    const argv = nodeEnterArgv({ net: '/run/netns/n', mount: '/proc/1/fd/3', uts: '/proc/1/fd/4', cgroup: '/proc/1/fd/5' }, '/w', ['kubelet', '--v=2']);
    expect(argv.slice(0, 6)).toEqual(['nsenter', '--net=/run/netns/n', '--mount=/proc/1/fd/3', '--uts=/proc/1/fd/4', '--cgroup=/proc/1/fd/5', '--']);
    expect(argv.slice(-4)).toEqual(['corral-node', '/w', 'kubelet', '--v=2']);
    expect(argv[8]).toMatch(/cgroup\.procs.*cd "\$1".*exec "\$@"/);
  });
});
