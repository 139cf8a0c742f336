import { request } from 'node:https';
import { Injectable, Logger } from '@nestjs/common';
import { type Condition, type ConditionInput, getCondition } from '@corral/domain';
import { type BootstrapObject, bootstrapObjectsHash, clusterBootstrapObjects, objectPath } from '@corral/kube';
import type { EnvironmentSecrets } from './environment-secrets';

const CONDITION = 'ClusterObjectsApplied';
const TIMEOUT_MS = 5_000;

/**
 * Applies the objects Corral's own components need in every cluster (RBAC of the ingress
 * controller) with server-side apply, as the environment's admin, once an apiserver answers.
 * The condition ClusterObjectsApplied carries the applied set's hash, so a converged cluster is
 * not asked again; a failure is a False condition and the next reconcile tries again.
 */
@Injectable()
export class ClusterBootstrapService {
  private readonly logger = new Logger(ClusterBootstrapService.name);

  async ensure(conditions: readonly Condition[], secrets: EnvironmentSecrets, healthyApiServers: string[]): Promise<ConditionInput | null> {
    const objects = clusterBootstrapObjects();
    const hash = bootstrapObjectsHash(objects);
    const applied = getCondition([...conditions], CONDITION);
    if (applied?.status === 'True' && applied.message.endsWith(`(set ${hash})`)) return null;
    if (healthyApiServers.length === 0) return null;
    const server = healthyApiServers[0]!;
    try {
      for (const object of objects) await this.apply(server, object, secrets);
      return { type: CONDITION, status: 'True', reason: 'Applied', message: `${objects.length} object(s) applied through ${server} (set ${hash})` };
    } catch (err) {
      const message = `applying Corral's cluster objects through ${server} failed: ${(err as Error).message}; retried on the next reconcile`;
      this.logger.warn(message);
      return { type: CONDITION, status: 'False', reason: 'ApplyFailed', message };
    }
  }

  private apply(server: string, object: BootstrapObject, secrets: EnvironmentSecrets): Promise<void> {
    const url = new URL(`${objectPath(object)}?fieldManager=corral&force=true`, server);
    const body = JSON.stringify(object);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'PATCH',
          ca: secrets.cas.clusterCa.certPem,
          cert: secrets.admin.certPem,
          key: secrets.admin.keyPem,
          headers: { 'content-type': 'application/apply-patch+yaml', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode && res.statusCode < 300) return resolve();
            const text = Buffer.concat(chunks).toString('utf8');
            let reason = text.slice(0, 200);
            try {
              reason = (JSON.parse(text) as { message?: string }).message ?? reason;
            } catch {
              // not a Status object: keep the text
            }
            reject(new Error(`${object.kind} ${object.metadata.name}: HTTP ${res.statusCode}: ${reason}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
