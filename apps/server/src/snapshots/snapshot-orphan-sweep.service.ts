import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { planOrphanSweep, type SweepCandidate } from '@corral/domain';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { OBJECT_STORE, type IncompleteWrite, type ObjectStore } from './object-store';
import { snapshotIdOfObjectKey } from './sealed-snapshot-objects';

export interface OrphanSweepResult {
  /** partial files and incomplete multipart uploads removed */
  incompleteWrites: number;
  /** stored objects no snapshot row pointed at */
  orphanObjects: number;
  /** removals that failed (logged; tried again at the next sweep) */
  failures: number;
}

type Candidate = SweepCandidate & { write?: IncompleteWrite };

/**
 * Removes what a crash can leave in the snapshot store (run by the periodic `retention` job):
 * unfinished writes (a partial file, an incomplete multipart upload) and stored objects no
 * snapshot row points at (stored just before a crash, before their row was updated; or left when
 * a removal failed), each only once older than CORRAL_SNAPSHOT_ORPHAN_GRACE. A snapshot being
 * taken (pending) or re-sealed by a rewrap (its row locked) keeps its writes whatever their age;
 * a deleted environment's snapshots keep their rows, and so their objects, until purged.
 */
@Injectable()
export class SnapshotOrphanSweep {
  private readonly logger = new Logger(SnapshotOrphanSweep.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
  ) {}

  async sweep(now = new Date()): Promise<OrphanSweepResult> {
    const cutoff = new Date(now.getTime() - this.config.limits.snapshotOrphanGraceMs);
    const [stored, unfinished] = await Promise.all([this.objects.listObjects(''), this.objects.listIncomplete()]);
    const candidates: Candidate[] = [
      ...stored.map((o) => ({ key: o.key, snapshotId: snapshotIdOfObjectKey(o.key), at: o.modifiedAt, kind: 'object' as const })),
      ...unfinished.map((w) => ({ key: w.key, snapshotId: snapshotIdOfObjectKey(w.key), at: w.at, kind: 'incomplete' as const, write: w })),
    ].filter((c) => c.snapshotId !== null && c.at < cutoff);
    const result: OrphanSweepResult = { incompleteWrites: 0, orphanObjects: 0, failures: 0 };
    if (!candidates.length) return result;
    // the rows' locks are held while removing: a rewrap or a delete of one of these snapshots waits for the sweep
    await this.dataSource.transaction(async (manager) => {
      const ids = [...new Set(candidates.map((c) => c.snapshotId as string))];
      const keys = [...new Set(candidates.map((c) => c.key))];
      const rows: Array<{ id: string; state: string; storage_key: string | null }> = await manager.query(
        `SELECT id, state, storage_key FROM etcd_snapshots WHERE id = ANY($1::uuid[]) OR storage_key = ANY($2::text[])`,
        [ids, keys],
      );
      // a rewrap holds its row FOR UPDATE while it writes the re-sealed object: such a row is skipped here
      const free: Array<{ id: string }> = await manager.query(`SELECT id FROM etcd_snapshots WHERE id = ANY($1::uuid[]) FOR KEY SHARE SKIP LOCKED`, [rows.map((r) => r.id)]);
      const unlocked = new Set(free.map((r) => r.id));
      const busySnapshotIds = new Set(rows.filter((r) => r.state === 'pending' || !unlocked.has(r.id)).map((r) => r.id));
      const referencedKeys = new Set(rows.flatMap((r) => (r.storage_key ? [r.storage_key] : [])));
      for (const c of planOrphanSweep(candidates, { referencedKeys, busySnapshotIds }, cutoff)) {
        try {
          if (c.write) await this.objects.abortIncomplete(c.write);
          else await this.objects.delete(c.key);
          if (c.kind === 'incomplete') result.incompleteWrites++;
          else result.orphanObjects++;
        } catch (err) {
          result.failures++;
          this.logger.warn({ key: c.key, kind: c.kind, err: (err as Error).message }, `could not remove a leftover snapshot ${c.kind === 'object' ? 'object' : 'write'} from ${this.objects.description}`);
        }
      }
    });
    if (result.incompleteWrites || result.orphanObjects || result.failures) {
      this.logger.log({ ...result, store: this.objects.description }, `swept the snapshot store: ${result.incompleteWrites} unfinished write(s), ${result.orphanObjects} orphan object(s) removed`);
    }
    return result;
  }
}
