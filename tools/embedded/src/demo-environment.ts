// The demo environment through the API: made fresh when its hosts are not this run's, and watched
// until active.
import { ApiClient } from './api-client';
import { Progress } from './progress';

interface HostView {
  id: string;
  hostname: string;
  state: string;
}

/** The environment's hosts that are still on record (not removed), or null when it does not exist. */
export async function environmentHosts(api: ApiClient, env: string): Promise<HostView[] | null> {
  const found = await api.request('GET', `/v1/environments/${env}`);
  if (found.status === 404) return null;
  if (found.status !== 200) throw new Error(`reading ${env}: ${found.status} ${JSON.stringify(found.body)}`);
  const hosts = await api.request('GET', `/v1/hosts?environment=${encodeURIComponent(env)}`);
  if (hosts.status !== 200) throw new Error(`listing the hosts of ${env}: ${hosts.status} ${JSON.stringify(hosts.body)}`);
  return ((hosts.body as { items: HostView[] }).items ?? []).filter((h) => h.state !== 'removed');
}

/**
 * Deletes the environment and its hosts (hosts first: nothing then waits for their agents to
 * confirm), and waits until it is gone.
 */
export async function deleteEnvironment(api: ApiClient, env: string, hosts: HostView[]): Promise<void> {
  for (const host of hosts) {
    const removed = await api.request('DELETE', `/v1/hosts/${host.id}`);
    if (removed.status !== 204 && removed.status !== 404) throw new Error(`removing host ${host.hostname}: ${removed.status} ${JSON.stringify(removed.body)}`);
  }
  const deleted = await api.request('DELETE', `/v1/environments/${env}`);
  if (deleted.status !== 202 && deleted.status !== 404) throw new Error(`deleting ${env}: ${deleted.status} ${JSON.stringify(deleted.body)}`);
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    if ((await api.request('GET', `/v1/environments/${env}`)).status === 404) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${env} was not deleted within 5 minutes`);
}

export async function createEnvironment(api: ApiClient, env: string): Promise<void> {
  const created = await api.request('POST', '/v1/environments', { name: env, etcd: { members: 3 }, labels: { corral: 'demo' } });
  if (created.status !== 201 && created.status !== 409) throw new Error(`creating ${env}: ${created.status} ${JSON.stringify(created.body)}`);
}

/** Shows the environment's events as progress until it is active (or fails). */
export async function waitForActive(
  api: ApiClient,
  progress: Progress,
  env: string,
  opts: { minutes: number; logs: string; signal: AbortSignal },
): Promise<void> {
  await progress.step(`waiting for ${env} to become active`, async () => {
    let lastEventId = '0';
    const deadline = Date.now() + opts.minutes * 60_000;
    while (Date.now() < deadline) {
      opts.signal.throwIfAborted();
      try {
        const events = (await api.request('GET', `/v1/environments/${env}/events?after=${lastEventId}`)).body as { items: Array<{ id: string; reason: string; message: string }> };
        opts.signal.throwIfAborted();
        for (const event of events.items) {
          progress.note(`${event.reason}: ${event.message}`);
          lastEventId = event.id;
        }
        const view = (await api.request('GET', `/v1/environments/${env}`)).body as { state: string; stateReason?: string };
        if (view.state === 'active') return;
        if (view.state === 'error') throw new Error(`${env} failed: ${view.stateReason}`);
      } catch (err) {
        // a request that failed on the way (a busy machine): ask again
        if ((err as Error).message !== 'fetch failed') throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${env} did not become active within ${opts.minutes} minutes; see ${opts.logs}`);
  });
}
