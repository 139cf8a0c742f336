// What goes into Corral's two images, as pure functions of their inputs (the compiled pause
// program; the busybox-static binary with its version and applet list).
import { ImageSpec } from './oci';
import { TarEntry } from './tar';
import { BusyboxBinary, PauseBinary } from './toolchain';

export const IMAGE_REGISTRY = 'corral.local';
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function pauseImageName(version: string): string {
  return `${IMAGE_REGISTRY}/pause:${version}`;
}

export function busyboxImageName(version: string): string {
  return `${IMAGE_REGISTRY}/busybox:${version}`;
}

/** The sandbox image: /pause alone, run as 65535:65535 like upstream's. */
export function pauseImageSpec(pause: PauseBinary): ImageSpec {
  return {
    name: pauseImageName(pause.version),
    layers: [[{ type: 'file', path: 'pause', data: pause.data, mode: 0o755 }]],
    config: {
      Entrypoint: ['/pause'],
      Env: [`PATH=${DEFAULT_PATH}`],
      WorkingDir: '/',
      User: '65535:65535',
      Labels: { 'org.opencontainers.image.title': 'pause', 'org.opencontainers.image.version': pause.version },
    },
    createdBy: [`gcc -static -Os -s tools/images/pause/pause.c (${pause.compiler})`],
  };
}

export const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'bin:x:2:2:bin:/bin:/bin/false',
  'www-data:x:33:33:www-data:/var/www:/bin/false',
  'nobody:x:65534:65534:nobody:/nonexistent:/bin/false',
  '',
].join('\n');

export const GROUP = ['root:x:0:', 'daemon:x:1:', 'bin:x:2:', 'www-data:x:33:', 'nogroup:x:65534:', ''].join('\n');

const INDEX_HTML = '<!doctype html><title>corral busybox</title><p>corral.local/busybox httpd</p>\n';

/**
 * A general-purpose image: /bin/busybox with a symlink per applet in /bin (as the upstream busybox
 * image lays them out), /usr/bin/env for `#!/usr/bin/env` scripts, a minimal /etc, /tmp (1777),
 * /root (0700) and /var/www with an index.html for httpd.
 */
export function busyboxImageSpec(busybox: BusyboxBinary): ImageSpec {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const entries: TarEntry[] = [
    { type: 'file', path: 'bin/busybox', data: busybox.data, mode: 0o755 },
    ...busybox.applets.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'symlink', path: 'usr/bin/env', target: '/bin/env' },
    { type: 'dir', path: 'usr/sbin' },
    { type: 'dir', path: 'sbin' },
    { type: 'dir', path: 'dev' },
    { type: 'dir', path: 'proc', mode: 0o555 },
    { type: 'dir', path: 'sys', mode: 0o555 },
    { type: 'dir', path: 'home' },
    { type: 'dir', path: 'root', mode: 0o700 },
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'dir', path: 'var/tmp', mode: 0o1777 },
    { type: 'dir', path: 'var/www' },
    { type: 'file', path: 'var/www/index.html', data: text(INDEX_HTML) },
    { type: 'file', path: 'etc/passwd', data: text(PASSWD) },
    { type: 'file', path: 'etc/group', data: text(GROUP) },
    { type: 'file', path: 'etc/nsswitch.conf', data: text('passwd: files\ngroup: files\nhosts: files dns\n') },
  ];
  if (!busybox.applets.includes('env')) entries.splice(entries.findIndex((e) => e.path === 'usr/bin/env'), 1);
  return {
    name: busyboxImageName(busybox.version),
    layers: [entries],
    config: {
      Env: [`PATH=${DEFAULT_PATH}`],
      Cmd: ['sh'],
      WorkingDir: '/',
      Labels: {
        'org.opencontainers.image.title': 'busybox',
        'org.opencontainers.image.version': busybox.version,
        ...(busybox.build ? { 'org.opencontainers.image.description': `BusyBox ${busybox.version} (${busybox.build})` } : {}),
      },
    },
    createdBy: [`busybox-static ${busybox.build || busybox.version}: /bin/busybox and ${busybox.applets.length} applet links`],
  };
}
