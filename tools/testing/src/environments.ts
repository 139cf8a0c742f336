import { eventually } from '@corral/test-hosts';
import type { ApiResponse } from './api-client';

/** What the environment helpers need of an API client (apiClient gives it). */
export interface EnvironmentsApi {
  get(path: string): Promise<ApiResponse>;
  post(path: string, body?: unknown): Promise<ApiResponse>;
}

export interface NewEnvironment {
  name: string;
  etcdMembers?: 1 | 3 | 5;
  /** registration token uses (default: the etcd members) */
  hosts?: number;
}

/** Creates an environment and a registration token for its hosts; fails with the API's answer. */
export async function createEnvironment(admin: EnvironmentsApi, spec: NewEnvironment): Promise<{ id: string; token: string }> {
  const created = await admin.post('/v1/environments', { name: spec.name, etcd: { members: spec.etcdMembers ?? 1 } });
  if (created.status !== 201) throw new Error(`creating ${spec.name}: ${created.status} ${JSON.stringify(created.body)}`);
  const token = await admin.post(`/v1/environments/${spec.name}/registration-tokens`, { maxUses: spec.hosts ?? spec.etcdMembers ?? 1 });
  if (token.status !== 201) throw new Error(`registration token for ${spec.name}: ${token.status} ${JSON.stringify(token.body)}`);
  return { id: created.body.id, token: token.body.token };
}

/**
 * Waits until the environment is in this state; the failure shows its conditions and what
 * `diagnose` adds (processes on the hosts, agent logs).
 */
export async function waitForEnvironmentState(admin: EnvironmentsApi, name: string, state: string, options: { timeoutMs?: number; diagnose?: () => Promise<string> } = {}): Promise<void> {
  try {
    await eventually(async () => (await admin.get(`/v1/environments/${name}`)).body.state === state, { timeoutMs: options.timeoutMs ?? 120_000, intervalMs: 500, what: `environment ${name} ${state}` });
  } catch (err) {
    const view = (await admin.get(`/v1/environments/${name}`)).body;
    throw new Error(`${(err as Error).message}\nconditions: ${JSON.stringify(view?.conditions, null, 1)}${options.diagnose ? `\n${await options.diagnose()}` : ''}`);
  }
}

/** Creates an environment, starts its agents with the token (startAgents), and waits until it is active. */
export async function createActiveEnvironment(
  admin: EnvironmentsApi,
  spec: NewEnvironment & { startAgents(token: string): unknown; timeoutMs?: number; diagnose?: () => Promise<string> },
): Promise<{ id: string; token: string }> {
  const created = await createEnvironment(admin, spec);
  await spec.startAgents(created.token);
  await waitForEnvironmentState(admin, spec.name, 'active', spec);
  return created;
}
