// Builds Corral's image archives into a directory, with a manifest (images.json) a caller can
// trust instead of rebuilding: name, file, sha256, size per image. An archive whose bytes would
// not change is left untouched (same mtime), so make-style and CI caches keyed on the files hold.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { busyboxImageSpec, pauseImageSpec } from './images';
import { buildImage, ImageSpec } from './oci';
import { BusyboxBinary, compilePause, findBusybox, MissingPrerequisiteError, PauseBinary } from './toolchain';

export const MANIFEST_FILE = 'images.json';

export interface ArchiveRecord {
  /** full reference, e.g. corral.local/pause:3.10 */
  name: string;
  /** file name inside the output directory */
  file: string;
  /** sha256 (hex) of the archive file */
  sha256: string;
  size: number;
  /** digest of the image manifest, what `ctr images ls` shows */
  manifestDigest: string;
}

export interface BuildManifest {
  schemaVersion: 1;
  images: ArchiveRecord[];
}

export interface BuildResult {
  outDir: string;
  manifestPath: string;
  images: (ArchiveRecord & { path: string; written: boolean })[];
}

export interface BuildOptions {
  outDir: string;
  /** busybox binary (default: CORRAL_BUSYBOX, /bin/busybox, /usr/bin/busybox) */
  busyboxPath?: string;
  /** C compiler for the pause program (default: CC, gcc) */
  cc?: string;
}

/** "corral.local/busybox:1.35.0" -> "busybox_1.35.0.tar" */
export function archiveFileName(name: string): string {
  const slash = name.lastIndexOf('/');
  return `${name.slice(slash + 1).replace(/:/g, '_')}.tar`;
}

function sha256File(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Writes data to path through a temporary file and a rename, unless path already holds it. */
function writeIfChanged(path: string, data: Buffer, digest: string): boolean {
  if (sha256File(path) === digest) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
  return true;
}

/** Gathers both images' inputs, reporting every missing prerequisite at once. */
export function gatherInputs(opts: Omit<BuildOptions, 'outDir'> = {}): { pause: PauseBinary; busybox: BusyboxBinary } {
  const missing: string[] = [];
  let pause: PauseBinary | undefined;
  let busybox: BusyboxBinary | undefined;
  try {
    pause = compilePause({ cc: opts.cc });
  } catch (err) {
    if (!(err instanceof MissingPrerequisiteError)) throw err;
    missing.push(`pause image: ${err.message}`);
  }
  try {
    busybox = findBusybox(opts.busyboxPath);
  } catch (err) {
    if (!(err instanceof MissingPrerequisiteError)) throw err;
    missing.push(`busybox image: ${err.message}`);
  }
  if (missing.length > 0) throw new MissingPrerequisiteError(missing.join('\n'));
  return { pause: pause!, busybox: busybox! };
}

/** Builds the given image specs into outDir and (re)writes outDir/images.json. */
export function writeArchives(outDir: string, specs: ImageSpec[]): BuildResult {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const images: BuildResult['images'] = [];
  for (const spec of specs) {
    const built = buildImage(spec);
    const file = archiveFileName(built.name);
    const path = join(dir, file);
    const digest = createHash('sha256').update(built.archive).digest('hex');
    const written = writeIfChanged(path, built.archive, digest);
    images.push({ name: built.name, file, sha256: digest, size: built.archive.length, manifestDigest: built.manifest.digest, path, written });
  }
  const manifest: BuildManifest = {
    schemaVersion: 1,
    images: images.map(({ name, file, sha256, size, manifestDigest }) => ({ name, file, sha256, size, manifestDigest })),
  };
  const manifestPath = join(dir, MANIFEST_FILE);
  const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  writeIfChanged(manifestPath, text, createHash('sha256').update(text).digest('hex'));
  return { outDir: dir, manifestPath, images };
}

/** Compiles pause, finds busybox-static, and writes both archives and the manifest. */
export function buildCorralImages(opts: BuildOptions): BuildResult {
  const { pause, busybox } = gatherInputs(opts);
  return writeArchives(opts.outDir, [pauseImageSpec(pause), busyboxImageSpec(busybox)]);
}

/** Reads outDir/images.json; undefined when absent. */
export function readBuildManifest(outDir: string): BuildManifest | undefined {
  const path = join(outDir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as BuildManifest;
}
