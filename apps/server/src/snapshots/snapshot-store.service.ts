import { ConflictException, Inject, Injectable, Logger, NotFoundException, ServiceUnavailableException, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, IsNull, Repository } from 'typeorm';
import { Readable } from 'node:stream';
import { SecretBox } from '../crypto/secret-box';
import { OBJECT_STORE, type ObjectStore } from './object-store';
import { StoreUnavailableError, openSealedSnapshot, putSealedSnapshot, readSnapshotHead } from './sealed-snapshot-objects';
import { bboltHeaderProblem, planSnapshotPruning } from '@corral/domain';
import { EtcdSnapshot, SnapshotState, SnapshotTrigger } from './etcd-snapshot.entity';
import { ACTIVE_RESTORE_PHASES, EtcdRestore, RestorePhase } from './etcd-restore.entity';
import { isUuid } from '../common/uuid-param.pipe';

const UNIQUE_VIOLATION = '23505';
/** what a restore reads before it starts: two bbolt pages of the largest size etcd uses (within one sealed chunk) */
const RESTORE_CHECK_BYTES = 128 * 1024;

/**
 * Owns the etcd_snapshots and etcd_restores rows (what was taken, stored, and restored) and the
 * sealed snapshot objects in the configured object store: a row is the index, the object the data.
 */
@Injectable()
export class SnapshotStore {
  private readonly logger = new Logger(SnapshotStore.name);

  constructor(
    @InjectRepository(EtcdSnapshot) private readonly snapshots: Repository<EtcdSnapshot>,
    @InjectRepository(EtcdRestore) private readonly restores: Repository<EtcdRestore>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly objects: ObjectStore,
    private readonly box: SecretBox,
  ) {}

  /** where the objects are kept, for events and logs */
  get description(): string {
    return this.objects.description;
  }

  createPending(environmentId: string, trigger: SnapshotTrigger): Promise<EtcdSnapshot> {
    return this.snapshots.save(this.snapshots.create({ environmentId, trigger, state: 'pending', message: null, completedAt: null }));
  }

  pending(environmentId: string): Promise<EtcdSnapshot[]> {
    return this.snapshots.find({ where: { environmentId, state: 'pending' }, order: { createdAt: 'ASC' } });
  }

  /**
   * Streams the database into the store, sealed, and marks the snapshot completed with its
   * SHA-256 and size. The caller's stream has checked etcd's own checksum by its end.
   */
  async complete(id: string, result: { data: Readable | Buffer; etcdRevision: number; etcdMember: string; keyCount?: number | null }): Promise<EtcdSnapshot> {
    const row = await this.snapshots.findOneByOrFail({ id });
    const source = Buffer.isBuffer(result.data) ? Readable.from([result.data]) : result.data;
    const stored = await putSealedSnapshot(this.objects, this.box, { environmentId: row.environmentId, snapshotId: id }, source);
    await this.snapshots.update(id, {
      state: 'completed',
      ...stored,
      keyCount: result.keyCount ?? null,
      etcdRevision: result.etcdRevision,
      etcdMember: result.etcdMember,
      completedAt: new Date(),
      message: null,
    });
    return this.snapshots.findOneByOrFail({ id });
  }

  async fail(id: string, message: string): Promise<void> {
    await this.snapshots.update(id, { state: 'failed', message: message.slice(0, 2000), completedAt: new Date() });
  }

  list(environmentId: string, limit = 200): Promise<EtcdSnapshot[]> {
    return this.snapshots.find({ where: { environmentId }, order: { createdAt: 'DESC' }, take: limit });
  }

  async get(environmentId: string, id: string): Promise<EtcdSnapshot> {
    const snapshot = isUuid(id) ? await this.snapshots.findOneBy({ id, environmentId }) : null;
    if (!snapshot) throw new NotFoundException(`snapshot ${id} not found`);
    return snapshot;
  }

  /** A snapshot a restore of this environment may use: its own, or one kept of a deleted environment. */
  async getRestorable(environmentId: string, id: string): Promise<EtcdSnapshot> {
    if (isUuid(id)) {
      const [own] = await this.dataSource.query(`SELECT 1 FROM etcd_snapshots s JOIN environments e ON e.id = s.environment_id WHERE s.id = $1 AND (e.id = $2 OR e.state = 'deleted')`, [id, environmentId]);
      if (own) return this.snapshots.findOneByOrFail({ id });
    }
    throw new NotFoundException(`snapshot ${id} not found`);
  }

  /** Whether a restore of the environment uses the snapshot (its hosts may then fetch it). */
  async restoreUses(environmentId: string, snapshotId: string): Promise<boolean> {
    return this.restores.existsBy({ environmentId, snapshotId });
  }

  find(id: string): Promise<EtcdSnapshot | null> {
    return isUuid(id) ? this.snapshots.findOneBy({ id }) : Promise.resolve(null);
  }

  /**
   * The stored database as a stream, opened and checked against its recorded SHA-256 as it
   * flows (a mismatch ends the stream with an error). 404 when the snapshot has no data.
   */
  async data(id: string): Promise<Readable> {
    const row = await this.snapshots.findOneBy({ id });
    if (!row || row.state !== 'completed' || !row.sha256) throw new NotFoundException(`snapshot ${id} has no data`);
    return openSealedSnapshot(this.objects, this.box, row, () => this.legacyData(id)).catch((err: Error) => {
      throw new NotFoundException(`snapshot ${id} has no data: ${err.message}`);
    });
  }

  /**
   * Proves a snapshot can be restored before a restore changes anything: its stored object opens
   * (the first sealed chunk authenticates under its key and this snapshot's id) and starts like
   * an etcd (bbolt) database. 422 naming the snapshot otherwise; 503 when the store cannot be read.
   */
  async checkRestorable(snapshot: EtcdSnapshot): Promise<void> {
    let head: Buffer;
    try {
      head = await readSnapshotHead(this.objects, this.box, snapshot, () => this.legacyData(snapshot.id), RESTORE_CHECK_BYTES);
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw new ServiceUnavailableException(`snapshot ${snapshot.id} could not be read from ${this.objects.description}: ${err.message}; try again`);
      throw new UnprocessableEntityException(`snapshot ${snapshot.id} cannot be restored: its stored data does not open (${(err as Error).message})`);
    }
    const problem = bboltHeaderProblem(head);
    if (problem) throw new UnprocessableEntityException(`snapshot ${snapshot.id} cannot be restored: its data is not an etcd database: ${problem}`);
  }

  /** The database of a snapshot taken before the store existed (kept in the row, unsealed, until a rewrap moves it). */
  private async legacyData(id: string): Promise<Buffer | null> {
    const row = await this.snapshots.createQueryBuilder('s').addSelect('s.data').where('s.id = :id', { id }).getOne();
    return row?.data ?? null;
  }

  /** The object keys of every stored snapshot of the environment. */
  async storageKeys(environmentId: string): Promise<string[]> {
    const rows: { storage_key: string }[] = await this.dataSource.query(`SELECT storage_key FROM etcd_snapshots WHERE environment_id = $1 AND storage_key IS NOT NULL`, [environmentId]);
    return rows.map((r) => r.storage_key);
  }

  /** Removes stored objects whose rows are gone; a failure is logged (the object is then an orphan, harmless and sealed). */
  async removeObjects(keys: Array<string | null>): Promise<void> {
    for (const key of keys) {
      if (!key) continue;
      await this.objects.delete(key).catch((err: Error) => this.logger.warn({ key, err: err.message }, `could not remove snapshot object ${key} from ${this.objects.description}`));
    }
  }

  /** Deletes a snapshot unless it is still being taken or an active restore loads it (409). */
  async delete(snapshot: EtcdSnapshot): Promise<void> {
    if (snapshot.state === 'pending') throw new ConflictException(`snapshot ${snapshot.id} is still being taken`);
    // a DELETE answers [rows, rowCount]
    const [rows]: [{ id: string; storage_key: string | null }[], number] = await this.dataSource.query(
      `DELETE FROM etcd_snapshots WHERE id = $1
         AND id NOT IN (SELECT snapshot_id FROM etcd_restores WHERE phase = ANY($2) AND snapshot_id IS NOT NULL)
       RETURNING id, storage_key`,
      [snapshot.id, ACTIVE_RESTORE_PHASES],
    );
    if (!rows.length) throw new ConflictException(`snapshot ${snapshot.id} is being restored; delete it once the restore has finished`);
    await this.removeObjects(rows.map((r) => r.storage_key));
  }

  /** When the last scheduled snapshot was attempted, or null. */
  async lastScheduledAt(environmentId: string): Promise<Date | null> {
    const [row] = await this.snapshots.find({ where: { environmentId, trigger: 'scheduled' }, order: { createdAt: 'DESC' }, take: 1 });
    return row?.createdAt ?? null;
  }

  /**
   * Deletes scheduled snapshots beyond the newest `keep` completed ones and beyond the newest
   * few failed ones, counted apart (planSnapshotPruning); manual ones stay until deleted.
   * Returns how many were deleted.
   */
  async pruneScheduled(environmentId: string, keep: number): Promise<number> {
    const rows: Array<{ id: string; state: SnapshotState; created_at: Date; in_use: boolean }> = await this.dataSource.query(
      `SELECT s.id, s.state, s.created_at, EXISTS (SELECT 1 FROM etcd_restores r WHERE r.snapshot_id = s.id AND r.phase = ANY($2)) AS in_use
         FROM etcd_snapshots s WHERE s.environment_id = $1 AND s.trigger = 'scheduled'`,
      [environmentId, ACTIVE_RESTORE_PHASES],
    );
    const ids = planSnapshotPruning(rows.map((r) => ({ id: r.id, state: r.state, createdAt: r.created_at, inUse: r.in_use })), keep);
    if (!ids.length) return 0;
    // a DELETE answers [rows, rowCount]; a restore that began since the read keeps its snapshot
    const [deleted]: [{ storage_key: string | null }[], number] = await this.dataSource.query(
      `DELETE FROM etcd_snapshots WHERE id = ANY($1)
         AND id NOT IN (SELECT snapshot_id FROM etcd_restores WHERE phase = ANY($2) AND snapshot_id IS NOT NULL)
       RETURNING storage_key`,
      [ids, ACTIVE_RESTORE_PHASES],
    );
    await this.removeObjects(deleted.map((r) => r.storage_key));
    return deleted.length;
  }

  activeRestore(environmentId: string): Promise<EtcdRestore | null> {
    return this.restores.findOne({ where: { environmentId, phase: In(ACTIVE_RESTORE_PHASES) } });
  }

  listRestores(environmentId: string): Promise<EtcdRestore[]> {
    return this.restores.find({ where: { environmentId }, order: { generation: 'DESC' }, take: 100 });
  }

  /**
   * Starts a restore with the next cluster generation (one at a time per environment), with the
   * pending snapshot of the cluster it replaces ('pre-restore') and its deadline.
   */
  async createRestore(environmentId: string, snapshotId: string, deadlineAt: Date | null = null): Promise<EtcdRestore> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [{ next }] = await manager.query(`SELECT coalesce(max(generation), 0) + 1 AS next FROM etcd_restores WHERE environment_id = $1`, [environmentId]);
        const repo = manager.getRepository(EtcdRestore);
        const restore = await repo.save(
          repo.create({ environmentId, snapshotId, generation: Number(next), phase: 'starting-etcd', message: 'taking a snapshot of the current cluster first', keysRestored: null, completedAt: null, deadlineAt, cancelRequestedAt: null }),
        );
        const snapshots = manager.getRepository(EtcdSnapshot);
        const pre = await snapshots.save(snapshots.create({ environmentId, trigger: 'pre-restore', state: 'pending', message: `taken before restore generation ${restore.generation}`, completedAt: null }));
        await repo.update(restore.id, { preRestoreSnapshotId: pre.id });
        return { ...restore, preRestoreSnapshotId: pre.id };
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictException('a restore of this environment is already in progress');
      throw err;
    }
  }

  /** Asks the restore's next step to end it (404 unknown, 409 when it has already ended). */
  async requestRestoreCancel(environmentId: string, id: string): Promise<EtcdRestore> {
    const restore = isUuid(id) ? await this.restores.findOneBy({ id, environmentId }) : null;
    if (!restore) throw new NotFoundException(`restore ${id} not found`);
    if (!ACTIVE_RESTORE_PHASES.includes(restore.phase)) throw new ConflictException(`restore ${id} is ${restore.phase}; only an active restore can be cancelled`);
    await this.restores.update({ id, cancelRequestedAt: IsNull() }, { cancelRequestedAt: new Date() });
    return this.restores.findOneByOrFail({ id });
  }

  async setRestorePhase(id: string, phase: RestorePhase, message: string, keysRestored?: number): Promise<void> {
    await this.restores.update(id, {
      phase,
      message,
      ...(keysRestored !== undefined ? { keysRestored } : {}),
      ...(phase === 'completed' || phase === 'failed' ? { completedAt: new Date() } : {}),
    });
  }
}
