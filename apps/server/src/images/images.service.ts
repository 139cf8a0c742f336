import { BadRequestException, Inject, Injectable, Logger, OnApplicationBootstrap, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request } from 'express';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { FieldValidationException } from '../common/field-validation.exception';
import { formatBytes } from '@corral/domain';
import { ImageStore, StoreResult } from './image-store.service';
import { ImageArchiveError } from './oci-archive';
import { ArchiveTooLargeError, spoolArchive } from './spool-archive';

export const IMAGE_CONTENT_TYPE = 'application/x-tar';

/** An entry of a tools/images output directory's images.json. */
interface BundledRecord {
  name: string;
  file: string;
  sha256: string;
  size?: number;
}

/** CORRAL_IMAGE_DIR could not be imported: the server does not start. */
export class BundledImagesError extends Error {}

/** Uploads of image archives, and the bundled ones of CORRAL_IMAGE_DIR imported at start. */
@Injectable()
export class ImagesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Images');

  constructor(
    private readonly store: ImageStore,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.imageDir) await this.importBundled(this.config.imageDir);
  }

  /**
   * POST /v1/images: the request body (an OCI image layout tar) is spooled to a temporary file
   * while it is checked and hashed, then stored. Nothing is stored unless all of it is valid.
   */
  async upload(req: Request, actor: string): Promise<StoreResult> {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== IMAGE_CONTENT_TYPE) {
      throw new UnsupportedMediaTypeException(`Content-Type must be ${IMAGE_CONTENT_TYPE} (the body is an OCI image layout tar), got ${type ? JSON.stringify(type) : 'none'}`);
    }
    const limit = this.config.imageMaxSizeBytes;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw this.tooLarge(req, limit, declared);
    const dir = await mkdtemp(join(tmpdir(), 'corral-image-'));
    try {
      let spooled;
      try {
        spooled = await spoolArchive(req, { maxBytes: limit, copyTo: join(dir, 'archive.tar') });
      } catch (err) {
        if (err instanceof ArchiveTooLargeError) throw this.tooLarge(req, limit);
        if (err instanceof ImageArchiveError) throw FieldValidationException.field(err.field, err.problem);
        // the client went away mid-upload: nothing to answer, nothing stored, not a server error
        if (req.destroyed || (err as NodeJS.ErrnoException).code === 'ECONNRESET') throw new BadRequestException('the upload ended before the archive did (the connection closed)');
        throw err;
      }
      return await this.store.store(spooled, 'uploaded', { actor });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Imports every archive images.json lists as a bundled image: one already stored with the same
   * SHA-256 is left alone, a bundled one of the same name with other content is replaced, an
   * uploaded one of the same name is kept. Any problem stops the server, naming the variable.
   */
  async importBundled(dir: string): Promise<void> {
    const fail = (why: string) => new BundledImagesError(`CORRAL_IMAGE_DIR ${dir}: ${why}`);
    const manifestPath = join(dir, 'images.json');
    if (!existsSync(manifestPath)) throw fail('has no images.json (build it with `node dist/tools/images/src/main.js build --out DIR`)');
    let records: BundledRecord[];
    try {
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { images?: unknown };
      if (!Array.isArray(manifest.images)) throw new Error('it has no "images" array');
      records = manifest.images as BundledRecord[];
    } catch (err) {
      throw fail(`images.json cannot be read: ${(err as Error).message}`);
    }
    for (const [i, r] of records.entries()) {
      if (typeof r?.file !== 'string' || basename(r.file) !== r.file || typeof r.sha256 !== 'string' || typeof r.name !== 'string') {
        throw fail(`images.json images[${i}] needs name, file (a file name in the directory) and sha256`);
      }
      const existing = await this.store.findByName(r.name);
      if (existing?.sha256 === r.sha256 && existing.source === 'bundled') continue;
      const path = join(dir, r.file);
      if (!existsSync(path) || !statSync(path).isFile()) throw fail(`${r.file} (images[${i}]) is missing`);
      let spooled;
      try {
        spooled = await spoolArchive(createReadStream(path), { maxBytes: Number.MAX_SAFE_INTEGER, path });
      } catch (err) {
        throw fail(`${r.file} is not an importable OCI image archive: ${(err as Error).message}`);
      }
      if (spooled.sha256 !== r.sha256) throw fail(`${r.file} has SHA-256 ${spooled.sha256}, images.json says ${r.sha256}`);
      if (spooled.info.name !== r.name) throw fail(`${r.file} names image ${spooled.info.name}, images.json says ${r.name}`);
      const { outcome } = await this.store.store(spooled, 'bundled', { actor: 'the server (CORRAL_IMAGE_DIR)', keepUploaded: true });
      this.logger.log(`bundled image ${r.name} (${formatBytes(spooled.sizeBytes)}): ${outcome}`);
    }
  }

  private tooLarge(req: Request, limit: number, declared?: number): PayloadTooLargeException {
    // the rest of the body is not read: the connection closes after the answer
    req.res?.setHeader('Connection', 'close');
    const size = declared !== undefined ? ` (${formatBytes(declared)})` : '';
    return new PayloadTooLargeException(`the image archive${size} is larger than ${formatBytes(limit)}, the server's limit (CORRAL_IMAGE_MAX_SIZE)`);
  }
}
