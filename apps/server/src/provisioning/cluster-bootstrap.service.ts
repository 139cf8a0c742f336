import { Injectable, Logger } from '@nestjs/common';
import { type Condition, type ConditionInput, getCondition } from '@corral/domain';
import { bootstrapObjectsHash, clusterBootstrapObjects, objectPath, type KubeDnsInput } from '@corral/kube';
import { ClusterApiError, clusterApi } from './cluster-api';
import type { EnvironmentSecrets } from './environment-secrets';

const OBJECTS_CONDITION = 'ClusterObjectsApplied';
const NODE_CIDRS_CONDITION = 'NodePodCidrsAssigned';

export interface NodeCidr {
  /** the Node's name: the host's hostname */
  node: string;
  cidr: string;
}

/**
 * What Corral writes into a running cluster through the apiserver, as the environment's admin:
 * the objects its own components need (RBAC of the ingress controller and CoreDNS, the kube-dns
 * Service with the hosts' CoreDNS as its endpoints), and each Node's
 * spec.podCIDR from Corral's IPAM (the controller-manager does not allocate them).
 */
@Injectable()
export class ClusterBootstrapService {
  private readonly logger = new Logger(ClusterBootstrapService.name);

  /**
   * Server-side apply of Corral's cluster objects once an apiserver answers. The condition
   * carries the applied set's hash, so a converged cluster is not asked again; a failure is a
   * False condition and the next reconcile tries again.
   */
  async ensureObjects(conditions: readonly Condition[], secrets: EnvironmentSecrets, servers: string[], dns?: KubeDnsInput): Promise<ConditionInput | null> {
    const objects = clusterBootstrapObjects(dns);
    const hash = bootstrapObjectsHash(objects);
    const applied = getCondition(conditions, OBJECTS_CONDITION);
    if ((applied?.status === 'True' && applied.message.endsWith(`(set ${hash})`)) || servers.length === 0) return null;
    const server = servers[0]!;
    try {
      for (const object of objects) {
        await clusterApi(server, secrets, 'PATCH', `${objectPath(object)}?fieldManager=corral&force=true`, { contentType: 'application/apply-patch+yaml', body: object });
      }
      return { type: OBJECTS_CONDITION, status: 'True', reason: 'Applied', message: `${objects.length} object(s) applied through ${server} (set ${hash})` };
    } catch (err) {
      const message = `applying Corral's cluster objects through ${server} failed: ${(err as Error).message}; retried on the next reconcile`;
      this.logger.warn(message);
      return { type: OBJECTS_CONDITION, status: 'False', reason: 'ApplyFailed', message };
    }
  }

  /**
   * Writes each registered Node's pod CIDR when it has none. `pending` is true while a node has
   * not registered yet or was just written, so the caller looks again soon; a Node that carries
   * another CIDR cannot be changed (spec.podCIDR is immutable) and is reported, not retried.
   */
  async ensureNodeCidrs(secrets: EnvironmentSecrets, servers: string[], nodes: NodeCidr[]): Promise<{ condition: ConditionInput | null; pending: boolean }> {
    if (servers.length === 0 || nodes.length === 0) return { condition: null, pending: false };
    const server = servers[0]!;
    const waiting: string[] = [];
    const mismatched: string[] = [];
    try {
      for (const { node, cidr } of nodes) {
        const path = `/api/v1/nodes/${encodeURIComponent(node)}`;
        let current: string | undefined;
        try {
          current = ((await clusterApi(server, secrets, 'GET', path)).body as { spec?: { podCIDR?: string } }).spec?.podCIDR;
        } catch (err) {
          if (err instanceof ClusterApiError && err.status === 404) {
            waiting.push(`${node} (not registered yet)`);
            continue;
          }
          throw err;
        }
        if (current === cidr) continue;
        if (current) {
          mismatched.push(`${node} has ${current}, Corral gave it ${cidr}`);
          continue;
        }
        await clusterApi(server, secrets, 'PATCH', path, { contentType: 'application/merge-patch+json', body: { spec: { podCIDR: cidr, podCIDRs: [cidr] } } });
      }
    } catch (err) {
      const message = `writing Node pod CIDRs through ${server} failed: ${(err as Error).message}; retried on the next reconcile`;
      this.logger.warn(message);
      return { condition: { type: NODE_CIDRS_CONDITION, status: 'False', reason: 'WriteFailed', message }, pending: true };
    }
    if (mismatched.length > 0) {
      const message = `${mismatched.join('; ')}: spec.podCIDR cannot change; delete the Node object (kubectl delete node NAME) and its kubelet registers it again`;
      return { condition: { type: NODE_CIDRS_CONDITION, status: 'False', reason: 'PodCidrMismatch', message }, pending: false };
    }
    if (waiting.length > 0) {
      return { condition: { type: NODE_CIDRS_CONDITION, status: 'False', reason: 'WaitingForNodes', message: `waiting for ${waiting.join(', ')}` }, pending: true };
    }
    return { condition: { type: NODE_CIDRS_CONDITION, status: 'True', reason: 'Assigned', message: `${nodes.length} node(s) carry the pod CIDR Corral gave their host` }, pending: false };
  }
}
