import { runKubectl } from './kubectl';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostHarness } from '@corral/test-hosts';
import { apiClient, waitForEnvironmentState } from '@corral/testing';

type Api = ReturnType<typeof apiClient>;

/** Which component a process is, from its command line (real etcd, stand-ins, ingress controller). */
export function componentOfCommand(cmdline: string): string | null {
  if (cmdline.startsWith('/usr/bin/etcd')) return 'etcd';
  // the ingress controller's HAProxy (its config path names the component directory) is part of it
  if (/^(\S*\/)?haproxy /.test(cmdline)) return null;
  if (cmdline.includes('kube-stand-ins/src/apiserver/')) return 'kube-apiserver';
  if (cmdline.includes('kube-scheduler-main')) return 'kube-scheduler';
  if (cmdline.includes('kube-controller-manager-main')) return 'kube-controller-manager';
  if (cmdline.includes('kube-stand-ins/src/kubelet/')) return 'kubelet';
  if (cmdline.includes('kube-stand-ins/src/proxy/')) return 'kube-proxy';
  if (cmdline.includes('ingress-controller') && !cmdline.includes('corral-agent')) return 'ingress-controller';
  return null;
}

/** Component processes actually running in each host's namespace: kind -> count, per host index. */
export async function runningComponents(harness: HostHarness): Promise<Record<string, number>[]> {
  const out: Record<string, number>[] = [];
  for (let i = 0; i < harness.hosts.length; i++) {
    const counts: Record<string, number> = {};
    for (const pid of await harness.pids(i)) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        continue; // gone
      }
      // the sh wrappers exec, so a wrapper seen mid-exec is the same process
      if (cmdline.startsWith('/bin/sh ')) continue;
      const kind = componentOfCommand(cmdline);
      if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
    }
    out.push(counts);
  }
  return out;
}

export function totals(perHost: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of perHost) for (const [kind, n] of Object.entries(counts)) sum[kind] = (sum[kind] ?? 0) + n;
  return sum;
}

/** The environment's hosts with the kinds desired on each, by harness host index. */
export async function placementByHost(admin: Api, env: string, harness: HostHarness) {
  const hosts = (await admin.get(`/v1/hosts?environment=${env}`)).body.items as { id: string; hostname: string; state: string }[];
  return Promise.all(
    hosts.map(async (h) => {
      const view = (await admin.get(`/v1/hosts/${h.id}`)).body;
      return {
        id: h.id,
        index: harness.hosts.findIndex((t) => t.namespace === h.hostname),
        state: view.state as string,
        kinds: (view.components as { kind: string; desired: unknown }[]).filter((c) => c.desired).map((c) => c.kind).sort(),
        view,
      };
    }),
  );
}

/** kubectl against the environment, through the server's Kubernetes API proxy. */
export async function kubectl(admin: Api, env: string, dir: string, ...args: string[]): Promise<string> {
  const kubeconfig = await admin.get(`/v1/environments/${env}/kubeconfig`);
  if (kubeconfig.status !== 200) throw new Error(`kubeconfig: ${kubeconfig.status} ${JSON.stringify(kubeconfig.body)}`);
  const file = join(dir, `${env}.kubeconfig`);
  writeFileSync(file, kubeconfig.body, { mode: 0o600 });
  return runKubectl(file, args);
}

/** waitForEnvironmentState with this suite's argument order. */
export function waitForState(admin: Api, env: string, state: string, timeoutMs: number, diagnose?: () => Promise<string>): Promise<void> {
  return waitForEnvironmentState(admin, env, state, { timeoutMs, diagnose });
}
