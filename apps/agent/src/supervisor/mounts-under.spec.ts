import { mountPointsUnder } from './mounts-under';

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '40 22 0:35 / /state/data/kubelet rw,relatime shared:20 - ext4 /dev/vda rw',
  '41 40 0:36 / /state/data/kubelet/pods/a/volumes/kubernetes.io~projected/token rw - tmpfs tmpfs rw',
  '42 22 0:37 / /state/data/kubelet-old rw - tmpfs tmpfs rw',
  '43 22 0:38 / /state/data/containerd/state/netns/cni-1 rw - nsfs nsfs rw',
  '44 22 0:39 / /state/data/with\\040space rw - tmpfs tmpfs rw',
].join('\n');

describe('mountPointsUnder', () => {
  it('finds the dir itself and everything below it, deepest first, and nothing beside it', () => {
    expect(mountPointsUnder(MOUNTINFO, '/state/data/kubelet/')).toEqual([
      '/state/data/kubelet/pods/a/volumes/kubernetes.io~projected/token',
      '/state/data/kubelet',
    ]);
    expect(mountPointsUnder(MOUNTINFO, '/state/data/containerd')).toEqual(['/state/data/containerd/state/netns/cni-1']);
    expect(mountPointsUnder(MOUNTINFO, '/state/data/etcd')).toEqual([]);
  });

  it('decodes the octal escapes of mount points', () => {
    expect(mountPointsUnder(MOUNTINFO, '/state/data/with space')).toEqual(['/state/data/with space']);
  });
});
