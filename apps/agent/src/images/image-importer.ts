import type { DesiredImage, DesiredState, ObservedImage } from '@corral/contracts';
import { expandPlaceholders } from '@corral/contracts';
import { containerdSocket } from '@corral/kube';
import { backoffDelay, type BackoffOptions } from '@corral/domain';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StateDir } from '../state-dir/state-dir';
import { Wakeup } from '../util/abortable';
import { ctrImportArgs, ctrListArgs, describeCtrFailure, parseImageList, runCtr } from './ctr';
import { imageMarkerDir, readImageMarkers, removeImageMarker, writeImageMarker } from './image-markers';
import { ContainerdState, ImportAttempts, planImageImports } from './plan-image-imports';

export interface ImageImporterOptions {
  stateDir: StateDir;
  binDir: string;
  logger: Logger;
  /** streams a server path into a file with the host credential; resolves with what was written */
  download(path: string, file: string, signal: AbortSignal): Promise<{ sha256: string; bytes: number }>;
  /** whether the named component runs and passes its probe */
  healthy(component: string): boolean;
  /** called after every change of what snapshot() reports */
  onChange(): void;
  /** between failed attempts at one image (default 2 s doubling to 5 min) */
  backoff?: BackoffOptions;
  /** one `ctr images import` at most (default 10 min) */
  ctrTimeoutMs?: number;
}

export const DEFAULT_IMPORT_BACKOFF: BackoffOptions = { baseMs: 2000, maxMs: 300_000, jitter: 0.2 };
/** a pass runs at least this often, even without a change (cheap: it reads the markers) */
const IDLE_PASS_MS = 5 * 60_000;

/**
 * Keeps this host's containerd holding every desired image: whenever the containerd component
 * is healthy and an image is not imported (no marker for its name with its SHA-256), downloads
 * it from the server, checks its SHA-256, runs `ctr images import` into namespace k8s.io, removes
 * the download and writes the marker. Failures are retried per image with backoff and reported.
 * It never touches the component itself: a changed image list restarts nothing.
 */
export class ImageImporter {
  private images: DesiredImage[] | undefined;
  private containerd: string | null = null;
  private healthy = false;
  /** check the markers against `ctr images ls` before trusting them (at start, and after containerd comes back) */
  private verify = true;
  private readonly attempts = new Map<string, ImportAttempts>();
  private status: ObservedImage[] | undefined;
  private readonly wake = new Wakeup();
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: ImageImporterOptions) {
    this.backoff = options.backoff ?? DEFAULT_IMPORT_BACKOFF;
  }

  /** A newly applied desired state (from the server or the cache). */
  setDesired(desired: DesiredState): void {
    this.images = desired.images;
    const containerd = desired.components.find((c) => c.kind === 'containerd')?.name ?? null;
    if (containerd !== this.containerd) this.verify = true;
    this.containerd = containerd;
    this.wake.notify();
  }

  /** The supervisor reported a change: a pass when containerd's health changed. */
  componentsChanged(): void {
    const healthy = this.containerd !== null && this.options.healthy(this.containerd);
    if (healthy === this.healthy) return;
    this.healthy = healthy;
    if (healthy) this.verify = true;
    this.wake.notify();
  }

  /** Every desired image as this host has it; undefined while the server sends no images (older servers). */
  snapshot(): ObservedImage[] | undefined {
    return this.status;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let next: number | null = null;
      try {
        next = await this.pass(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.options.logger.warn({ err: (err as Error).message }, 'image import pass failed');
        next = backoffDelay(0, this.backoff);
      }
      // Wakeup.wait would not notice an abort that came before it
      if (signal.aborted) break;
      await this.wake.wait(Math.min(next ?? IDLE_PASS_MS, IDLE_PASS_MS), signal);
    }
  }

  /** One look at what is desired and what containerd has; returns ms until a retry is due. */
  private async pass(signal: AbortSignal): Promise<number | null> {
    const images = this.images;
    if (images === undefined) {
      this.report(undefined);
      return null;
    }
    for (const id of this.attempts.keys()) if (!images.some((i) => i.id === id)) this.attempts.delete(id);
    const containerd = this.containerd;
    // read here, not taken from componentsChanged (which tracks the transitions that ask for a check)
    const healthy = containerd !== null && this.options.healthy(containerd);
    const state: ContainerdState = containerd === null ? 'absent' : healthy ? 'healthy' : 'unhealthy';
    const dataDir = containerd ? this.options.stateDir.dataDir(containerd) : null;
    if (state === 'healthy' && this.verify && dataDir) {
      this.verify = false;
      await this.verifyMarkers(dataDir, images, signal);
    }
    const plan = () => planImageImports({ images, markers: dataDir ? readImageMarkers(dataDir) : new Map(), attempts: this.attempts, containerd: state, now: Date.now() });
    const first = plan();
    this.report(first.status);
    for (const image of first.due) {
      // the desired state or containerd changed under us: plan again
      if (signal.aborted || this.images !== images || this.containerd !== containerd || !this.options.healthy(containerd!)) return 0;
      await this.importOne(image, dataDir!, signal);
      this.report(plan().status);
    }
    return plan().nextDueInMs;
  }

  private async importOne(image: DesiredImage, dataDir: string, signal: AbortSignal): Promise<void> {
    const { logger, binDir } = this.options;
    const dir = imageMarkerDir(dataDir);
    const file = join(dir, `.download-${image.sha256}.tar`);
    const started = Date.now();
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      let got: { sha256: string; bytes: number };
      try {
        got = await this.options.download(`/v1/agent/images/${encodeURIComponent(image.id)}/data`, file, signal);
      } catch (err) {
        throw new Error(`download failed: ${(err as Error).message}`);
      }
      if (got.sha256 !== image.sha256) throw new Error(`download failed: its SHA-256 is ${got.sha256} (${got.bytes} bytes), expected ${image.sha256}`);
      const result = await runCtr(binDir, ctrImportArgs(this.socket(dataDir), file), { timeoutMs: this.options.ctrTimeoutMs ?? 10 * 60_000, signal }).catch((err: Error) => {
        throw new Error(`import failed: ctr images import ${err.message}`);
      });
      if (result.code !== 0) throw new Error(`import failed: ${describeCtrFailure('ctr images import', result)}`);
      writeImageMarker(dataDir, { name: image.name, sha256: image.sha256, manifestDigest: image.manifestDigest, imageId: image.id, importedAt: new Date().toISOString() });
      this.attempts.delete(image.id);
      logger.info({ image: image.name, sha256: image.sha256, bytes: got.bytes, ms: Date.now() - started }, 'image imported into containerd');
    } catch (err) {
      if (signal.aborted) return;
      const failures = (this.attempts.get(image.id)?.failures ?? 0) + 1;
      const delay = backoffDelay(failures - 1, this.backoff);
      const message = (err as Error).message.slice(0, 1500);
      this.attempts.set(image.id, { failures, nextAttemptAt: Date.now() + delay, lastError: `${message} (attempt ${failures})` });
      logger.warn({ image: image.name, failures, retryInMs: delay, err: message }, 'image import failed');
    } finally {
      rmSync(file, { force: true });
    }
  }

  /**
   * Drops the marker of every desired image containerd does not list under its name (with its
   * manifest digest, when known): removed with `ctr images rm`, or a marker that outlived its
   * containerd. When ctr cannot list, the markers are trusted.
   */
  private async verifyMarkers(dataDir: string, images: DesiredImage[], signal: AbortSignal): Promise<void> {
    const markers = readImageMarkers(dataDir);
    const marked = images.filter((i) => markers.get(i.name)?.sha256 === i.sha256);
    if (marked.length === 0) return;
    try {
      const result = await runCtr(this.options.binDir, ctrListArgs(this.socket(dataDir)), { timeoutMs: 60_000, signal });
      if (result.code !== 0) throw new Error(describeCtrFailure('ctr images ls', result));
      const listed = parseImageList(result.stdout);
      for (const image of marked) {
        const digest = listed.get(image.name);
        const expected = image.manifestDigest ?? markers.get(image.name)?.manifestDigest;
        if (digest && (!expected || digest === expected)) continue;
        this.options.logger.info({ image: image.name, listed: digest ?? null }, 'containerd no longer has an imported image; importing it again');
        removeImageMarker(dataDir, image.name);
      }
    } catch (err) {
      if (!signal.aborted) this.options.logger.warn({ err: (err as Error).message }, 'cannot list containerd images; trusting the import markers');
    }
  }

  private socket(dataDir: string): string {
    const { stateDir, binDir } = this.options;
    // the catalog's rule, as containerd's own config names its socket
    return expandPlaceholders(containerdSocket('containerd'), { dataDir, componentDir: stateDir.componentDir(this.containerd ?? 'containerd'), address: '', hostname: '', binDir });
  }

  private report(status: ObservedImage[] | undefined): void {
    if (JSON.stringify(status) === JSON.stringify(this.status)) return;
    this.status = status;
    this.options.onChange();
  }
}
