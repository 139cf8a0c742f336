import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import type { ComponentSpec, DesiredState } from '@corral/contracts';
import { specHash } from '@corral/kube';
import { Component } from './component.entity';
import { Host } from '../hosts/host.entity';
import { DesiredStateNotifier } from './desired-state-notifier';
import { EventsService } from '../events/events.service';
import { desiredImages } from '../images/desired-images';
import { SecretBox } from '../crypto/secret-box';
import { openSpec, sealSpec, specContext } from './sealed-spec';

export interface DesiredChange {
  added: string[];
  changed: string[];
  removed: string[];
}

/** Owns each host's desired components and its monotonically increasing revision. */
@Injectable()
export class DesiredStateService {
  constructor(
    @InjectRepository(Component) private readonly components: Repository<Component>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly notifier: DesiredStateNotifier,
    private readonly events: EventsService,
    private readonly box: SecretBox,
  ) {}

  /**
   * Makes the host's desired components exactly `specs`. Writes only the difference and bumps
   * the revision only when something changed, so repeating it is harmless.
   */
  async setHostComponents(hostId: string, environmentId: string | null, specs: ComponentSpec[]): Promise<DesiredChange> {
    const change = await this.dataSource.transaction((manager) => this.applyInTransaction(manager, hostId, environmentId, specs));
    if (change.added.length + change.changed.length + change.removed.length) await this.notifier.publish(hostId);
    return change;
  }

  /**
   * Writes the desired components of several hosts of one environment in ONE transaction, so a
   * crash can never leave a half-written plan (e.g. an etcd cluster bootstrapped on some of its
   * members only). Agents are woken after the commit.
   */
  async setEnvironmentComponents(environmentId: string, writes: Array<{ hostId: string; specs: ComponentSpec[] }>): Promise<Map<string, DesiredChange>> {
    const changes = await this.dataSource.transaction(async (manager) => {
      const result = new Map<string, DesiredChange>();
      // a stable lock order across concurrent writers
      for (const write of [...writes].sort((x, y) => x.hostId.localeCompare(y.hostId))) {
        result.set(write.hostId, await this.applyInTransaction(manager, write.hostId, environmentId, write.specs));
      }
      return result;
    });
    for (const [hostId, change] of changes) {
      if (change.added.length + change.changed.length + change.removed.length) await this.notifier.publish(hostId);
    }
    return changes;
  }

  private async applyInTransaction(manager: EntityManager, hostId: string, environmentId: string | null, specs: ComponentSpec[]): Promise<DesiredChange> {
    // serialise writers of one host's desired state
    const host = await manager.getRepository(Host).createQueryBuilder('h').setLock('pessimistic_write').where('h.id = :hostId', { hostId }).getOneOrFail();
    const repo = manager.getRepository(Component);
    const existing = new Map((await repo.find({ where: { hostId } })).map((c) => [c.name, c]));
    const change: DesiredChange = { added: [], changed: [], removed: [] };
    const context = specContext(environmentId, hostId);
    for (const given of specs) {
      const current = existing.get(given.name);
      existing.delete(given.name);
      // a spec read back from its row comes sealed: the hash is always of what the host runs
      const spec = openSpec(given, this.box, current ? specContext(current.environmentId, hostId) : context);
      const hash = specHash(spec);
      if (!current) {
        await repo.insert({ environmentId, hostId, name: spec.name, kind: spec.kind, spec: sealSpec(spec, this.box, context), specHash: hash, generation: 1 });
        change.added.push(spec.name);
      } else if (current.specHash !== hash) {
        await repo.update(current.id, { spec: sealSpec(spec, this.box, context), specHash: hash, kind: spec.kind, generation: current.generation + 1, environmentId });
        change.changed.push(spec.name);
      }
    }
    for (const stale of existing.values()) {
      await repo.delete(stale.id);
      change.removed.push(stale.name);
    }
    if (change.added.length + change.changed.length + change.removed.length) {
      await manager.getRepository(Host).increment({ id: hostId }, 'desiredRevision', 1);
      const parts = [
        change.added.length ? `added ${change.added.join(', ')}` : '',
        change.changed.length ? `changed ${change.changed.join(', ')}` : '',
        change.removed.length ? `removed ${change.removed.join(', ')}` : '',
      ].filter(Boolean);
      await this.events.record({ environmentId: environmentId ?? host.environmentId, hostId, reason: 'DesiredStateChanged', message: `host ${host.hostname}: ${parts.join('; ')}` }, manager);
    }
    return change;
  }

  /** The host's own desired state, its secret files opened: only ever served to that host. */
  async forHost(hostId: string): Promise<DesiredState> {
    const host = await this.dataSource.getRepository(Host).findOneByOrFail({ id: hostId });
    const components = await this.components.find({ where: { hostId }, order: { name: 'ASC' } });
    return {
      hostId,
      revision: host.desiredRevision,
      components: components.map((c) => ({ name: c.name, kind: c.kind, specHash: c.specHash, spec: openSpec(c.spec, this.box, specContext(c.environmentId, hostId)) })),
      // read after the revision: never older images under a newer revision (image changes bump it)
      images: components.some((c) => c.kind === 'containerd') ? await desiredImages(this.dataSource.manager) : [],
    };
  }

  /** The host's components as stored (secret files sealed). */
  listForHost(hostId: string): Promise<Component[]> {
    return this.components.find({ where: { hostId }, order: { name: 'ASC' } });
  }

  /** Which components are desired on these hosts (names only). */
  namesForHosts(hostIds: string[]): Promise<Pick<Component, 'hostId' | 'name'>[]> {
    return hostIds.length ? this.components.createQueryBuilder('c').select(['c.hostId', 'c.name']).where('c.host_id IN (:...hostIds)', { hostIds }).getMany() : Promise.resolve([]);
  }

  /** The environment's components as stored (secret files sealed): pass them back to set*Components as they are. */
  listForEnvironment(environmentId: string): Promise<Component[]> {
    return this.components.find({ where: { environmentId }, order: { hostId: 'ASC', name: 'ASC' } });
  }
}
