import * as path from 'node:path';
import type { TestHost } from './test-host';
import { testTlsPaths } from './test-tls';
import { repoRoot } from './repo-root';

export interface AgentArgvOptions {
  /** server URL as hosts reach it, e.g. `https://${harness.serverAddress}:8443` */
  server: string;
  token?: string;
  binDir?: string;
  roles?: string[];
  labels?: Record<string, string>;
  /** default: the host's namespace name, unique across parallel runs */
  hostname?: string;
  /** compiled agent entry point (default: dist/apps/agent/src/main.js of this repo) */
  agentMain?: string;
  /** the server's CA (default for https:// servers: the test CA of test-tls.ts) */
  caFile?: string;
  /** further flags appended as given, e.g. ['--heartbeat-interval', '500ms'] */
  extraArgs?: string[];
}

/** argv for a corral-agent on a test host: its own state dir, address and host name. */
export function agentArgv(host: TestHost, opts: AgentArgvOptions): string[] {
  const argv = [
    process.execPath,
    opts.agentMain ?? path.join(repoRoot(), 'dist/apps/agent/src/main.js'),
    '--server', opts.server,
    '--state-dir', host.stateDir,
    '--address', host.address,
    '--hostname', opts.hostname ?? host.namespace,
  ];
  if (opts.token) argv.push('--token', opts.token);
  argv.push(...serverTrustArgs(opts.server, opts.caFile));
  if (opts.binDir) argv.push('--bin-dir', opts.binDir);
  if (opts.roles?.length) argv.push('--roles', opts.roles.join(','));
  const labels = Object.entries(opts.labels ?? {});
  if (labels.length) argv.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
  return [...argv, ...(opts.extraArgs ?? [])];
}

/** --ca-file for an https:// server: the test CA unless told. Nothing for http://, which the agent refuses. */
export function serverTrustArgs(server: string, caFile?: string): string[] {
  return server.startsWith('https://') ? ['--ca-file', caFile ?? testTlsPaths().caFile] : [];
}

