import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { createHash } from 'node:crypto';
import { EtcdSnapshot, SnapshotTrigger } from './etcd-snapshot.entity';
import { ACTIVE_RESTORE_PHASES, EtcdRestore, RestorePhase } from './etcd-restore.entity';
import { isUuid } from '../common/uuid-param.pipe';

const UNIQUE_VIOLATION = '23505';

/** Owns the etcd_snapshots and etcd_restores rows: what was taken, stored, and restored. */
@Injectable()
export class SnapshotStore {
  constructor(
    @InjectRepository(EtcdSnapshot) private readonly snapshots: Repository<EtcdSnapshot>,
    @InjectRepository(EtcdRestore) private readonly restores: Repository<EtcdRestore>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  createPending(environmentId: string, trigger: SnapshotTrigger): Promise<EtcdSnapshot> {
    return this.snapshots.save(this.snapshots.create({ environmentId, trigger, state: 'pending', message: null, completedAt: null }));
  }

  pending(environmentId: string): Promise<EtcdSnapshot[]> {
    return this.snapshots.find({ where: { environmentId, state: 'pending' }, order: { createdAt: 'ASC' } });
  }

  /** Stores the database with its SHA-256; the caller has checked etcd's own checksum and parsed it. */
  async complete(id: string, result: { data: Buffer; etcdRevision: number; etcdMember: string }): Promise<EtcdSnapshot> {
    const sha256 = createHash('sha256').update(result.data).digest('hex');
    await this.snapshots.update(id, { state: 'completed', data: result.data, sha256, sizeBytes: result.data.length, etcdRevision: result.etcdRevision, etcdMember: result.etcdMember, completedAt: new Date(), message: null });
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

  find(id: string): Promise<EtcdSnapshot | null> {
    return isUuid(id) ? this.snapshots.findOneBy({ id }) : Promise.resolve(null);
  }

  /** The stored database, verified against its recorded SHA-256. */
  async data(id: string): Promise<Buffer> {
    const row = await this.snapshots.createQueryBuilder('s').addSelect('s.data').where('s.id = :id', { id }).getOne();
    if (!row?.data || row.state !== 'completed') throw new NotFoundException(`snapshot ${id} has no data`);
    const sha256 = createHash('sha256').update(row.data).digest('hex');
    if (sha256 !== row.sha256) throw new ConflictException(`snapshot ${id} is corrupt (its data's SHA-256 is ${sha256}, ${row.sha256} was recorded): take a new snapshot`);
    return row.data;
  }

  /** Deletes a snapshot unless it is still being taken or an active restore loads it (409). */
  async delete(snapshot: EtcdSnapshot): Promise<void> {
    if (snapshot.state === 'pending') throw new ConflictException(`snapshot ${snapshot.id} is still being taken`);
    // a DELETE answers [rows, rowCount]
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `DELETE FROM etcd_snapshots WHERE id = $1
         AND id NOT IN (SELECT snapshot_id FROM etcd_restores WHERE phase = ANY($2) AND snapshot_id IS NOT NULL)
       RETURNING id`,
      [snapshot.id, ACTIVE_RESTORE_PHASES],
    );
    if (!rows.length) throw new ConflictException(`snapshot ${snapshot.id} is being restored; delete it once the restore has finished`);
  }

  /** When the last scheduled snapshot was attempted, or null. */
  async lastScheduledAt(environmentId: string): Promise<Date | null> {
    const [row] = await this.snapshots.find({ where: { environmentId, trigger: 'scheduled' }, order: { createdAt: 'DESC' }, take: 1 });
    return row?.createdAt ?? null;
  }

  /** Deletes scheduled snapshots beyond the newest `keep` (manual ones stay until deleted); returns how many. */
  async pruneScheduled(environmentId: string, keep: number): Promise<number> {
    // a DELETE answers [rows, rowCount]
    const [rows]: [{ id: string }[], number] = await this.dataSource.query(
      `DELETE FROM etcd_snapshots WHERE id IN (
         SELECT id FROM etcd_snapshots WHERE environment_id = $1 AND trigger = 'scheduled' AND state <> 'pending'
         ORDER BY created_at DESC OFFSET $2)
       AND id NOT IN (SELECT snapshot_id FROM etcd_restores WHERE phase = 'starting-etcd' AND snapshot_id IS NOT NULL)
       RETURNING id`,
      [environmentId, keep],
    );
    return rows.length;
  }

  activeRestore(environmentId: string): Promise<EtcdRestore | null> {
    return this.restores.findOne({ where: { environmentId, phase: In(ACTIVE_RESTORE_PHASES) } });
  }

  listRestores(environmentId: string): Promise<EtcdRestore[]> {
    return this.restores.find({ where: { environmentId }, order: { generation: 'DESC' }, take: 100 });
  }

  /** Starts a restore with the next cluster generation; one at a time per environment. */
  async createRestore(environmentId: string, snapshotId: string): Promise<EtcdRestore> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const [{ next }] = await manager.query(`SELECT coalesce(max(generation), 0) + 1 AS next FROM etcd_restores WHERE environment_id = $1`, [environmentId]);
        const repo = manager.getRepository(EtcdRestore);
        return repo.save(repo.create({ environmentId, snapshotId, generation: Number(next), phase: 'starting-etcd', message: 'starting a fresh etcd cluster', keysRestored: null, completedAt: null }));
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictException('a restore of this environment is already in progress');
      throw err;
    }
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
