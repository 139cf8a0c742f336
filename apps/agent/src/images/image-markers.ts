import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../state-dir/atomic-write';

/**
 * Under containerd's data dir (next to its root and state), so that wiping the data dir — the
 * component removed, or a fresh containerd — also forgets what was imported into it.
 */
export const IMAGE_MARKER_DIR = '.corral-images';

/** What one import put into containerd: the image a name stands for there. */
export interface ImageMarker {
  name: string;
  sha256: string;
  manifestDigest?: string;
  imageId: string;
  importedAt: string;
}

export function imageMarkerDir(containerdDataDir: string): string {
  return join(containerdDataDir, IMAGE_MARKER_DIR);
}

/** one marker per image name: a replaced image (same name, other content) overwrites it */
function markerPath(containerdDataDir: string, name: string): string {
  return join(imageMarkerDir(containerdDataDir), `${createHash('sha256').update(name).digest('hex').slice(0, 32)}.json`);
}

/** The markers by image name; unreadable ones are ignored (the image is imported again). */
export function readImageMarkers(containerdDataDir: string): Map<string, ImageMarker> {
  const markers = new Map<string, ImageMarker>();
  let names: string[];
  try {
    names = readdirSync(imageMarkerDir(containerdDataDir));
  } catch {
    return markers;
  }
  for (const file of names) {
    if (!file.endsWith('.json')) continue;
    try {
      const m = JSON.parse(readFileSync(join(imageMarkerDir(containerdDataDir), file), 'utf8')) as ImageMarker;
      if (typeof m.name === 'string' && typeof m.sha256 === 'string') markers.set(m.name, m);
    } catch {
      // half-written by a crash (writes are atomic, but be safe): import again
    }
  }
  return markers;
}

export function writeImageMarker(containerdDataDir: string, marker: ImageMarker): void {
  writeFileAtomic(markerPath(containerdDataDir, marker.name), `${JSON.stringify(marker)}\n`, 0o600);
}

export function removeImageMarker(containerdDataDir: string, name: string): void {
  rmSync(markerPath(containerdDataDir, name), { force: true });
}
