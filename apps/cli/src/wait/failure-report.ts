import type { EnvironmentWaitResponse, HostComponentRow } from '@corral/contracts';

export interface HostComponents {
  hostname: string;
  components: HostComponentRow[];
}

const MAX_LOG_LINES = 15;

/**
 * What a failed wait prints to stderr: the failing condition with its message, then every
 * component that is failing, crash-looping or unhealthy with its last log lines.
 */
export function formatFailure(env: EnvironmentWaitResponse, hosts: HostComponents[]): string {
  const failure = env.wait?.failure;
  const lines = [`environment ${env.name} failed: ${failure?.reason ?? env.stateReason ?? env.state}`];
  if (failure?.condition) lines.push(`  condition ${failure.condition.type}=${failure.condition.status} (${failure.condition.reason}): ${failure.condition.message}`);
  else if (failure) lines.push(`  ${failure.message}`);
  for (const host of hosts) {
    for (const c of host.components) {
      const o = c.observed;
      if (!o || (o.healthy && o.phase === 'running' && !o.crashLoop)) continue;
      const facts = [o.crashLoop ? 'crash-looping' : o.phase, o.exitCode !== null && o.exitCode !== undefined ? `exit code ${o.exitCode}` : '', o.restarts ? `${o.restarts} restart(s)` : ''].filter(Boolean).join(', ');
      lines.push(`  ${c.name} on ${host.hostname}: ${facts}${o.message ? `: ${o.message}` : ''}`);
      const logs = (o.lastLogLines ?? []).filter((l) => l.trim()).slice(-MAX_LOG_LINES);
      if (logs.length) lines.push(`    last log lines:`, ...logs.map((l) => `    | ${l}`));
    }
  }
  return `${lines.join('\n')}\n`;
}
