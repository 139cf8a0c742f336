// The machine-side inputs of the images: the pause program compiled with gcc against glibc's
// static libc, and Debian's busybox-static binary. Every failure says what to install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PAUSE_VERSION = '3.10';
/** the C source, beside src/ in the source tree and (swc --copy-files) in dist/ */
export const PAUSE_SOURCE = join(__dirname, '..', 'pause', 'pause.c');
export const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

/** A missing prerequisite: the message names the package to install. */
export class MissingPrerequisiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingPrerequisiteError';
  }
}

export interface ElfInfo {
  /** ELF e_machine name: 'amd64' for EM_X86_64, else 'machine-N' */
  architecture: string;
  /** true when no PT_INTERP header: the kernel runs it without a dynamic loader */
  isStatic: boolean;
}

const EM_X86_64 = 62;
const EM_AARCH64 = 183;
const PT_INTERP = 3;

/** Reads the ELF header and program headers of a 64-bit little-endian executable. */
export function readElf(data: Buffer): ElfInfo {
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file');
  if (data[4] !== 2 || data[5] !== 1) throw new Error('not a 64-bit little-endian ELF file');
  const machine = data.readUInt16LE(18);
  const phoff = Number(data.readBigUInt64LE(32));
  const phentsize = data.readUInt16LE(54);
  const phnum = data.readUInt16LE(56);
  if (phoff + phentsize * phnum > data.length) throw new Error('truncated ELF program headers');
  let isStatic = true;
  for (let i = 0; i < phnum; i++) {
    if (data.readUInt32LE(phoff + i * phentsize) === PT_INTERP) isStatic = false;
  }
  const architecture = machine === EM_X86_64 ? 'amd64' : machine === EM_AARCH64 ? 'arm64' : `machine-${machine}`;
  return { architecture, isStatic };
}

function requireStaticAmd64(what: string, data: Buffer, hint: string): void {
  const elf = readElf(data);
  if (!elf.isStatic) throw new MissingPrerequisiteError(`${what} is dynamically linked; ${hint}`);
  if (elf.architecture !== 'amd64') throw new Error(`${what} is built for ${elf.architecture}, the images are linux/amd64`);
}

export interface PauseBinary {
  data: Buffer;
  version: string;
  /** `gcc --version` first line */
  compiler: string;
}

/**
 * Compiles tools/images/pause/pause.c with `gcc -static -Os -s`. CC overrides the compiler.
 * Throws MissingPrerequisiteError when gcc or the static libc (libc6-dev's libc.a) is missing.
 */
export function compilePause(opts: { cc?: string; source?: string } = {}): PauseBinary {
  const cc = opts.cc ?? process.env.CC ?? 'gcc';
  const source = opts.source ?? PAUSE_SOURCE;
  if (!existsSync(source)) throw new Error(`pause source not found at ${source}`);
  const version = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (version.error) {
    throw new MissingPrerequisiteError(
      `${cc} not found (${version.error.message}): install a C compiler and glibc's static libc: apt-get install -y gcc libc6-dev`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'corral-pause-'));
  try {
    const out = join(dir, 'pause');
    const args = ['-static', '-Os', '-s', '-Wall', '-Werror', `-DCORRAL_PAUSE_VERSION="${PAUSE_VERSION}"`, '-o', out, source];
    const r = spawnSync(cc, args, { encoding: 'utf8' });
    if (r.status !== 0) {
      const stderr = `${r.stderr ?? ''}`.trim();
      if (/cannot find -lc\b|cannot find -lc[^a-z]|libc\.a|crt1\.o|stdio\.h|signal\.h: No such file/.test(stderr)) {
        throw new MissingPrerequisiteError(
          `${cc} -static cannot link the pause program: glibc's static libc (libc.a, crt1.o) or its headers are missing; ` +
            `install them: apt-get install -y libc6-dev\n${stderr}`,
        );
      }
      throw new Error(`${cc} ${args.join(' ')} failed (exit ${r.status}):\n${stderr}`);
    }
    const data = readFileSync(out);
    requireStaticAmd64(`the compiled pause program`, data, `check that ${cc} honours -static`);
    return { data, version: PAUSE_VERSION, compiler: version.stdout.split('\n')[0].trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BusyboxBinary {
  path: string;
  data: Buffer;
  /** upstream version, e.g. "1.35.0" */
  version: string;
  /** the banner's parenthesised build note, e.g. "Debian 1:1.35.0-4+deb12u1+b1" (may be empty) */
  build: string;
  /** applet names from `busybox --list`, sorted, without "busybox" itself */
  applets: string[];
}

const INSTALL_BUSYBOX = 'install it: apt-get update && apt-get install -y busybox-static';

/** Parses "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary." */
export function parseBusyboxBanner(text: string): { version: string; build: string } {
  const m = /BusyBox v(\d+\.\d+\.\d+)(?:\S*)?\s*(?:\(([^)]*)\))?/.exec(text);
  if (!m) throw new Error(`cannot read the BusyBox version from: ${text.split('\n')[0]}`);
  return { version: m[1], build: m[2] ?? '' };
}

/**
 * Finds Debian's busybox-static binary (explicit path, else CORRAL_BUSYBOX, else /bin/busybox,
 * /usr/bin/busybox) and reads its version and applet list by running it.
 */
export function findBusybox(path?: string): BusyboxBinary {
  const explicit = path ?? process.env.CORRAL_BUSYBOX;
  const candidates = explicit ? [explicit] : BUSYBOX_CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new MissingPrerequisiteError(`busybox not found at ${candidates.join(' or ')}; ${INSTALL_BUSYBOX}`);
  const data = readFileSync(found);
  requireStaticAmd64(
    found,
    data,
    `the image needs the static build (Debian's 'busybox' package is dynamic): ${INSTALL_BUSYBOX}`,
  );
  const banner = spawnSync(found, ['--help'], { encoding: 'utf8' });
  if (banner.error) throw new Error(`${found} --help: ${banner.error.message}`);
  const { version, build } = parseBusyboxBanner(`${banner.stdout}\n${banner.stderr}`);
  const list = spawnSync(found, ['--list'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`${found} --list failed: ${list.stderr}`);
  const applets = [...new Set(list.stdout.split('\n').map((s) => s.trim()))]
    .filter((s) => s !== '' && s !== 'busybox')
    .sort();
  for (const a of applets) {
    if (a.includes('/')) throw new Error(`${found} --list gave a bad applet name ${JSON.stringify(a)}`);
  }
  return { path: found, data, version, build, applets };
}
