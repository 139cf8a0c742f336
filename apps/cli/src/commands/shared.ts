import type { EnvironmentWaitResponse } from '@corral/contracts';
import type { CliContext } from '../cli-context';
import { plainProgress, ttyProgress, type ProgressReporter } from '../progress/progress-reporter';
import { formatFailure, type HostComponents } from '../wait/failure-report';
import { mergeIntoDefaultKubeconfig, writeKubeconfigFile } from '../kubeconfig/write-kubeconfig';

/** Progress goes to stderr: animated on a terminal, one line per event elsewhere (CI logs). */
export function progressFor(ctx: CliContext, name: string): ProgressReporter {
  const write = (text: string) => ctx.io.stderr.write(text);
  return ctx.io.stderr.isTTY ? ttyProgress(name, write) : plainProgress(write);
}

/** The failing condition and the last log lines of every failing component, on stderr. */
export async function reportFailure(ctx: CliContext, env: EnvironmentWaitResponse): Promise<void> {
  const client = ctx.client();
  let hosts: HostComponents[] = [];
  try {
    const list = (await client.listHosts({ environment: env.name })).items;
    hosts = await Promise.all(list.map(async (h) => ({ hostname: h.hostname, components: (await client.getHost(h.id)).components })));
  } catch {
    // the environment may be gone already: the condition alone has to do
  }
  ctx.io.stderr.write(formatFailure(env, hosts));
}

/** Writes the kubeconfig to a file (0600), merges it into ~/.kube/config, or both. */
export async function saveKubeconfig(ctx: CliContext, name: string, target: { file: string | null; merge: boolean; direct?: boolean; ttl?: string }): Promise<void> {
  if (!target.file && !target.merge) return;
  const yaml = await ctx.client().kubeconfig(name, { direct: target.direct, ttl: target.ttl });
  if (target.file) {
    writeKubeconfigFile(target.file, yaml);
    ctx.io.stderr.write(`kubeconfig written to ${target.file}\n`);
  }
  if (target.merge) {
    const merged = mergeIntoDefaultKubeconfig(yaml, name, ctx.io.env, ctx.io.home);
    ctx.io.stderr.write(`kubeconfig merged into ${merged.path}; current context is now ${merged.context}\n`);
  }
}
