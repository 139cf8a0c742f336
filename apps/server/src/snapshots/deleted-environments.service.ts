import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { isUuid } from '../common/uuid-param.pipe';
import { EventsService } from '../events/events.service';
import { SnapshotStore } from './snapshot-store.service';
import type { EtcdSnapshot } from './etcd-snapshot.entity';

export interface DeletedEnvironment {
  id: string;
  name: string;
  deletedAt: Date;
  /** when the retention ends and it is purged */
  purgeAt: Date;
  snapshots: EtcdSnapshot[];
}

/**
 * Deleted environments keep their row and snapshots for CORRAL_DELETED_RETENTION, so a
 * deletion (by a key or by TTL) never takes the last backups with it; a snapshot of one can be
 * restored into a new environment. Past the retention, or when an admin purges it, the row goes
 * (its snapshot and restore rows with it) and the snapshot objects leave the store.
 */
@Injectable()
export class DeletedEnvironmentsService {
  private readonly logger = new Logger(DeletedEnvironmentsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
    private readonly store: SnapshotStore,
    private readonly events: EventsService,
  ) {}

  async list(): Promise<DeletedEnvironment[]> {
    const rows: Array<{ id: string; name: string; deleted_at: Date }> = await this.dataSource.query(
      `SELECT id, name, deleted_at FROM environments WHERE state = 'deleted' AND deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT 500`,
    );
    return Promise.all(
      rows.map(async (r) => ({ id: r.id, name: r.name, deletedAt: r.deleted_at, purgeAt: new Date(r.deleted_at.getTime() + this.config.deletedRetentionMs), snapshots: await this.store.list(r.id) })),
    );
  }

  /** Purges a deleted environment now (404 when there is no such deleted environment). */
  async purge(id: string, by: string): Promise<void> {
    if (!isUuid(id) || !(await this.purgeOne(id, by))) throw new NotFoundException(`deleted environment ${id} not found`);
  }

  /** Purges the deleted environments whose retention has ended; returns how many. */
  async purgeExpired(now = new Date()): Promise<number> {
    const due: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM environments WHERE state = 'deleted' AND deleted_at < $1 ORDER BY deleted_at LIMIT 100`,
      [new Date(now.getTime() - this.config.deletedRetentionMs)],
    );
    let purged = 0;
    for (const { id } of due) if (await this.purgeOne(id, 'retention (CORRAL_DELETED_RETENTION)')) purged++;
    return purged;
  }

  private async purgeOne(id: string, by: string): Promise<boolean> {
    const keys = await this.store.storageKeys(id);
    // a DELETE answers [rows, rowCount]; snapshots and restores go with the row (foreign keys)
    const [rows]: [{ name: string }[], number] = await this.dataSource.query(`DELETE FROM environments WHERE id = $1 AND state = 'deleted' RETURNING name`, [id]);
    if (!rows.length) return false;
    await this.store.removeObjects(keys);
    await this.events.record({ environmentId: id, reason: 'Purged', message: `deleted environment ${rows[0].name} purged with its ${keys.length} stored snapshot(s), by ${by}` });
    this.logger.log({ environmentId: id, snapshots: keys.length }, `purged deleted environment ${rows[0].name}`);
    return true;
  }
}
