import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ImageSource } from '@corral/contracts';
import { SANDBOX_IMAGE } from '@corral/kube';
import { Image } from './image.entity';
import type { SpooledArchive } from './spool-archive';
import { formatBytes } from '@corral/domain';
import { isUuid } from '../common/uuid-param.pipe';
import { DesiredStateNotifier } from '../components/desired-state-notifier';
import { EventsService } from '../events/events.service';

/** bytes per image_chunks row: small enough for PostgreSQL and Node to move in one piece */
export const CHUNK_BYTES = 4 * 1024 * 1024;

const RETRYABLE = new Set(['40P01', '40001']); // deadlock, serialization failure

export type StoreOutcome = 'created' | 'replaced' | 'unchanged';

export interface StoreResult {
  image: Image;
  outcome: StoreOutcome;
  /** the image this one replaced (same name, other content) */
  replaced: Image | null;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const short = (hex: string) => hex.slice(0, 12);

/**
 * Owns the images and image_chunks rows. Every change that alters what hosts should import
 * (a new, replaced or deleted image) bumps the desired revision of every host with a containerd
 * component in the same transaction, and wakes their long-polls after the commit; no component
 * spec changes, so nothing restarts.
 */
@Injectable()
export class ImageStore {
  private readonly logger = new Logger('Images');

  constructor(
    @InjectRepository(Image) private readonly images: Repository<Image>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifier: DesiredStateNotifier,
    private readonly events: EventsService,
  ) {}

  list(): Promise<Image[]> {
    return this.images.find({ order: { name: 'ASC' } });
  }

  async get(id: string): Promise<Image> {
    const image = await this.find(id);
    if (!image) throw new NotFoundException(`image ${id} not found`);
    return image;
  }

  find(id: string): Promise<Image | null> {
    return isUuid(id) ? this.images.findOneBy({ id }) : Promise.resolve(null);
  }

  findByName(name: string): Promise<Image | null> {
    return this.images.findOneBy({ name });
  }

  /**
   * Stores a checked archive under its name. The same name with the same content changes
   * nothing ('unchanged'); other content replaces the image (a new id). `keepUploaded`: a
   * bundled import leaves an uploaded image of that name as it is (the operator's choice).
   */
  async store(archive: SpooledArchive, source: ImageSource, options: { actor?: string; keepUploaded?: boolean } = {}): Promise<StoreResult> {
    const { result, hosts } = await this.transaction(async (manager) => {
      const name = archive.info.name;
      // one writer per name, across replicas
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`corral-image:${name}`]);
      const repo = manager.getRepository(Image);
      const existing = await repo.findOneBy({ name });
      if (existing && existing.sha256 === archive.sha256) {
        // a bundled copy of what was uploaded protects it from deletion like any bundled image
        if (source === 'bundled' && existing.source !== 'bundled') await repo.update(existing.id, { source: 'bundled' });
        return { result: { image: { ...existing, source: source === 'bundled' ? 'bundled' : existing.source }, outcome: 'unchanged' as const, replaced: null }, hosts: [] };
      }
      if (existing && options.keepUploaded && existing.source === 'uploaded') {
        this.logger.warn(`bundled image ${name} (sha256 ${short(archive.sha256)}) not imported: an uploaded image of that name (sha256 ${short(existing.sha256)}) is kept`);
        return { result: { image: existing, outcome: 'unchanged' as const, replaced: null }, hosts: [] };
      }
      if (existing) await repo.delete(existing.id); // its chunks go with it
      const image = await repo.save(
        repo.create({ name, sha256: archive.sha256, sizeBytes: archive.sizeBytes, manifestDigest: archive.info.manifestDigest, source, chunkCount: 0 }),
      );
      image.chunkCount = await this.writeChunks(manager, image.id, archive);
      await repo.update(image.id, { chunkCount: image.chunkCount });
      const hosts = await this.bumpContainerdHosts(manager);
      const by = options.actor ? ` by ${options.actor}` : '';
      const what = `image ${name} (sha256 ${short(archive.sha256)}, ${formatBytes(archive.sizeBytes)}, ${source})`;
      await this.events.record(
        existing
          ? { reason: 'ImageReplaced', message: `${what} replaced sha256 ${short(existing.sha256)}${by}; ${hosts.length} host(s) with containerd import it` }
          : { reason: 'ImageAdded', message: `${what} added${by}; ${hosts.length} host(s) with containerd import it` },
        manager,
      );
      return { result: { image, outcome: existing ? ('replaced' as const) : ('created' as const), replaced: existing }, hosts };
    });
    await this.wake(hosts);
    return result;
  }

  /** Deletes an image (409 for containerd's pinned sandbox image: pods cannot start without it). */
  async delete(image: Image, actor?: string): Promise<void> {
    if (image.name === SANDBOX_IMAGE) {
      throw new ConflictException(`image ${image.name} is the pod sandbox image containerd's configuration pins; it cannot be deleted (upload another archive of that name to replace it)`);
    }
    const hosts = await this.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`corral-image:${image.name}`]);
      const result = await manager.getRepository(Image).delete(image.id);
      if (!result.affected) throw new NotFoundException(`image ${image.id} not found`);
      const hosts = await this.bumpContainerdHosts(manager);
      await this.events.record(
        { reason: 'ImageDeleted', message: `image ${image.name} (sha256 ${short(image.sha256)}) deleted${actor ? ` by ${actor}` : ''}; hosts that imported it keep it in containerd` },
        manager,
      );
      return hosts;
    });
    await this.wake(hosts);
  }

  /**
   * The image's bytes chunk by chunk, each checked against its recorded SHA-256 as it is read
   * (a mismatch throws: the caller ends the transfer, and the receiver's SHA-256 of the whole
   * archive fails too). Throws ConflictException before the first byte when chunks are missing.
   */
  async checkedChunks(image: Image): Promise<AsyncGenerator<Buffer>> {
    const [stats] = await this.dataSource.query(`SELECT count(*)::int AS n, coalesce(sum(octet_length(data)), 0)::bigint AS bytes FROM image_chunks WHERE image_id = $1`, [image.id]);
    if (stats.n !== image.chunkCount || Number(stats.bytes) !== image.sizeBytes) {
      throw new ConflictException(`image ${image.id} is corrupt (${stats.n} of ${image.chunkCount} chunks, ${stats.bytes} of ${image.sizeBytes} bytes stored): upload it again`);
    }
    const dataSource = this.dataSource;
    return (async function* () {
      for (let seq = 0; seq < image.chunkCount; seq++) {
        const [row] = await dataSource.query(`SELECT sha256, data FROM image_chunks WHERE image_id = $1 AND seq = $2`, [image.id, seq]);
        if (!row) throw new Error(`image ${image.id}: chunk ${seq} is gone (deleted while it was being sent?)`);
        if (sha256(row.data) !== row.sha256) throw new Error(`image ${image.id} is corrupt: chunk ${seq} does not match its SHA-256`);
        yield row.data as Buffer;
      }
    })();
  }

  /** Copies the archive into image_chunks, checking that it still has the SHA-256 it was checked with. */
  private async writeChunks(manager: EntityManager, imageId: string, archive: SpooledArchive): Promise<number> {
    const file = await open(archive.path, 'r');
    const whole = createHash('sha256');
    let seq = 0;
    let total = 0;
    try {
      for (;;) {
        const buffer = Buffer.alloc(CHUNK_BYTES);
        let filled = 0;
        while (filled < CHUNK_BYTES) {
          const { bytesRead } = await file.read(buffer, filled, CHUNK_BYTES - filled, null);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled === 0) break;
        const data = buffer.subarray(0, filled);
        whole.update(data);
        total += filled;
        await manager.query(`INSERT INTO image_chunks (image_id, seq, sha256, data) VALUES ($1, $2, $3, $4)`, [imageId, seq, sha256(data), data]);
        seq += 1;
        if (filled < CHUNK_BYTES) break;
      }
    } finally {
      await file.close();
    }
    if (whole.digest('hex') !== archive.sha256 || total !== archive.sizeBytes) throw new Error(`${archive.path} changed while it was being stored`);
    return seq;
  }

  /** +1 on the desired revision of every host with a containerd component, locked in id order; returns their ids. */
  private async bumpContainerdHosts(manager: EntityManager): Promise<string[]> {
    const result = await manager.query(`
      UPDATE hosts SET desired_revision = desired_revision + 1
       WHERE id IN (SELECT h.id FROM hosts h
                     WHERE h.state <> 'removed'
                       AND EXISTS (SELECT 1 FROM components c WHERE c.host_id = h.id AND c.kind = 'containerd')
                     ORDER BY h.id FOR UPDATE)
       RETURNING id`);
    // an UPDATE answers [rows, rowCount]
    const rows: { id: string }[] = Array.isArray(result[0]) ? result[0] : result;
    return rows.map((r) => r.id);
  }

  private async wake(hostIds: string[]): Promise<void> {
    for (const id of hostIds) {
      // best effort: a missed wake-up is caught by the agent's next poll (at most its wait later)
      await this.notifier.publish(id).catch((err) => this.logger.warn(`cannot wake host ${id}: ${(err as Error).message}`));
    }
  }

  private async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
      }
    }
  }
}
