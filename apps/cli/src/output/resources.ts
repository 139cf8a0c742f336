import type { EnvironmentResource, EnvironmentWaitResponse, HostResource, ImageResource, PoolResource, RegistrationTokenCreated } from '@corral/contracts';
import { formatBytes } from '@corral/domain';
import { renderFields, renderTable } from './table';
import { age, until } from './relative-time';

const ready = (env: EnvironmentResource) => env.conditions.find((c) => c.type === 'Ready')?.status ?? '-';
const hostsOf = (env: EnvironmentResource) => (env.hosts ? `${env.hosts.count} from ${env.hosts.pool}` : '-');

export function environmentsTable(items: EnvironmentResource[], now: number): string {
  return renderTable(
    ['name', 'state', 'ready', 'version', 'hosts', 'expires', 'age'],
    items.map((e) => [e.name, e.state, ready(e), e.kubernetesVersion, hostsOf(e), until(e.expiresAt, now), age(e.createdAt, now)]),
  );
}

/** One environment in detail: fields, then its conditions. */
export function environmentDetail(env: EnvironmentWaitResponse, now: number): string {
  const fields: Array<[string, string]> = [
    ['Name', env.name],
    ['ID', env.id],
    ['State', env.stateReason ? `${env.state} (${env.stateReason})` : env.state],
    ['Kubernetes', env.kubernetesVersion],
    ['Hosts', hostsOf(env) + (env.hosts?.labelSelector ? ` matching ${env.hosts.labelSelector}` : '')],
    ['etcd members', String(env.etcd.members)],
    ['Labels', Object.entries(env.labels).map(([k, v]) => `${k}=${v}`).join(',') || '-'],
    ['Expires', env.expiresAt ? `${env.expiresAt} (${until(env.expiresAt, now)})` : 'never'],
    ['Created', `${env.createdAt} (${age(env.createdAt, now)} ago)`],
  ];
  if (env.wait) fields.push(['Wait', `${env.wait.result} for ${env.wait.for} after ${(env.wait.waitedMs / 1000).toFixed(1)}s`]);
  const conditions = env.conditions.length
    ? `Conditions:\n${renderTable(['type', 'status', 'reason', 'message'], env.conditions.map((c) => [c.type, c.status, c.reason, c.message]), 100).replace(/^/gm, '  ')}`
    : 'Conditions:  none yet\n';
  return renderFields(fields) + conditions;
}

export function hostsTable(items: HostResource[], environmentNames: Map<string, string>, now: number): string {
  return renderTable(
    ['name', 'state', 'healthy', 'pool', 'environment', 'address', 'heartbeat', 'age'],
    items.map((h) => [
      h.hostname,
      h.state,
      h.conditions?.find((c) => c.type === 'ComponentsHealthy')?.status ?? '-',
      h.pool ?? '-',
      h.environmentId ? (environmentNames.get(h.environmentId) ?? h.environmentId) : '-',
      h.addresses[0] ?? '-',
      h.lastHeartbeatAt ? `${age(h.lastHeartbeatAt, now)} ago` : '-',
      age(h.createdAt, now),
    ]),
  );
}

export function poolsTable(items: PoolResource[]): string {
  return renderTable(
    ['pool', 'hosts', 'idle', 'claimed', 'unavailable', 'waiting'],
    items.map((p) => [p.name, String(p.hosts.total), String(p.hosts.idle), String(p.hosts.claimed), String(p.hosts.unavailable), String(p.waitingEnvironments)]),
  );
}

export function tokenTable(token: RegistrationTokenCreated & { scope: string }): string {
  return renderTable(['token', 'scope', 'expires', 'max-uses'], [[token.token, token.scope, token.expiresAt ?? 'never', token.maxUses === null ? 'unlimited' : String(token.maxUses)]], 200);
}

export function imagesTable(items: ImageResource[], now: number): string {
  return renderTable(
    ['name', 'id', 'size', 'source', 'sha256', 'age'],
    items.map((i) => [i.name, i.id, formatBytes(i.sizeBytes), i.source, i.sha256.slice(0, 12), age(i.createdAt, now)]),
  );
}
