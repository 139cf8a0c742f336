import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../environments/environment.entity';
import { HostsService } from '../hosts/hosts.service';
import { DesiredStateService } from '../components/desired-state.service';
import { HostComponentsService } from '../components/host-components.service';
import { EventsService } from '../events/events.service';
import { withAdvisoryLock } from '../persistence/advisory-lock';

/** How long deletion waits for reachable agents to confirm their components are gone. */
const CONFIRM_TIMEOUT_MS = 120_000;

export type TeardownResult = 'done' | 'waiting-for-agents';

/**
 * Deletes an environment: empties every host's desired state (agents stop the components and
 * wipe their files and data), waits until reachable agents report nothing left, then frees the
 * hosts and marks the environment deleted: its row and snapshots stay for CORRAL_DELETED_RETENTION
 * (DeletedEnvironmentsService purges them), its events as the audit trail.
 */
@Injectable()
export class EnvironmentTeardownService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hosts: HostsService,
    private readonly desired: DesiredStateService,
    private readonly hostComponents: HostComponentsService,
    private readonly events: EventsService,
  ) {}

  async teardown(environmentId: string): Promise<TeardownResult> {
    return withAdvisoryLock(this.dataSource, `environment-${environmentId}`, async () => {
      const env = await this.dataSource.getRepository(Environment).findOneBy({ id: environmentId });
      if (!env || env.state !== 'deleting') return 'done';
      const hosts = await this.hosts.listForEnvironment(environmentId);
      for (const host of hosts) await this.desired.setHostComponents(host.id, env.id, []);

      const reachable = hosts.filter((h) => h.state === 'active').map((h) => h.id);
      const stillRunning = await this.hostComponents.statusesForHosts(reachable);
      const waitedMs = Date.now() - env.updatedAt.getTime();
      if (stillRunning.length && waitedMs < CONFIRM_TIMEOUT_MS) return 'waiting-for-agents';

      await this.dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE hosts SET environment_id = NULL WHERE environment_id = $1`, [environmentId]);
        // a soft delete: its snapshots stay for CORRAL_DELETED_RETENTION (restorable into a new environment), then it is purged;
        // nothing can reach it meanwhile (no token, no kubeconfig token, no PKI)
        await manager.query(`DELETE FROM registration_tokens WHERE environment_id = $1`, [environmentId]);
        await manager.query(`DELETE FROM kube_api_tokens WHERE environment_id = $1`, [environmentId]);
        await manager.query(`DELETE FROM components WHERE environment_id = $1`, [environmentId]);
        await manager.query(`UPDATE environments SET state = 'deleted', deleted_at = now(), secrets_encrypted = NULL, conditions = '[]' WHERE id = $1`, [environmentId]);
        // a CA rotation under way ends with it, and its new CA's key goes with the rest of the PKI
        await manager.query(`UPDATE ca_rotations SET phase = 'cancelled', finished_at = now(), new_ca_encrypted = NULL WHERE environment_id = $1 AND finished_at IS NULL`, [environmentId]);
        const unconfirmed = stillRunning.length ? `; ${stillRunning.length} component(s) not confirmed stopped after ${Math.round(waitedMs / 1000)}s` : '';
        await this.events.record(
          { environmentId, type: unconfirmed ? 'Warning' : 'Normal', reason: 'Deleted', message: `environment ${env.name} deleted; ${hosts.length} host(s) released${unconfirmed}` },
          manager,
        );
      });
      return 'done';
    });
  }
}
