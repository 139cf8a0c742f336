import type { DesiredImage, ObservedImage } from '@corral/contracts';
import { SANDBOX_IMAGE } from '@corral/kube';
import type { ImageMarker } from './image-markers';

/** Failed attempts at importing one image (by id), for the backoff and the report. */
export interface ImportAttempts {
  failures: number;
  /** epoch ms before which it is not tried again */
  nextAttemptAt: number;
  lastError: string;
}

export type ContainerdState = 'absent' | 'unhealthy' | 'healthy';

export interface ImagePlan {
  /** what to report for every desired image */
  status: ObservedImage[];
  /** what to import now, in order (the sandbox image first: no pod starts without it) */
  due: DesiredImage[];
  /** ms until the next image in backoff may be tried, or null when none waits */
  nextDueInMs: number | null;
}

/**
 * Which desired images containerd already holds (a marker for the name with the same SHA-256),
 * which to import now, and which wait: for containerd to be healthy, or for their backoff.
 */
export function planImageImports(input: {
  images: readonly DesiredImage[];
  markers: ReadonlyMap<string, ImageMarker>;
  attempts: ReadonlyMap<string, ImportAttempts>;
  containerd: ContainerdState;
  now: number;
}): ImagePlan {
  const status: ObservedImage[] = [];
  const due: DesiredImage[] = [];
  let nextDueInMs: number | null = null;
  for (const image of input.images) {
    const base = { id: image.id, name: image.name, sha256: image.sha256 };
    const marker = input.markers.get(image.name);
    if (marker && marker.sha256 === image.sha256) {
      status.push({ ...base, imported: true, message: null, failures: 0, importedAt: marker.importedAt });
      continue;
    }
    const tried = input.attempts.get(image.id);
    const failures = tried?.failures ?? 0;
    if (input.containerd === 'absent') {
      status.push({ ...base, imported: false, message: 'this host runs no containerd component', failures, importedAt: null });
    } else if (input.containerd === 'unhealthy') {
      status.push({ ...base, imported: false, message: tried ? `${tried.lastError}; waiting for containerd to be healthy` : 'waiting for containerd to be healthy', failures, importedAt: null });
    } else if (!tried || tried.nextAttemptAt <= input.now) {
      due.push(image);
      status.push({ ...base, imported: false, message: tried ? `${tried.lastError}; importing again` : 'importing', failures, importedAt: null });
    } else {
      const wait = tried.nextAttemptAt - input.now;
      nextDueInMs = nextDueInMs === null ? wait : Math.min(nextDueInMs, wait);
      status.push({ ...base, imported: false, message: `${tried.lastError}; next attempt at ${new Date(tried.nextAttemptAt).toISOString()}`, failures, importedAt: null });
    }
  }
  due.sort((a, b) => Number(b.name === SANDBOX_IMAGE) - Number(a.name === SANDBOX_IMAGE) || a.name.localeCompare(b.name));
  return { status, due, nextDueInMs };
}
