import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * kubectl with a kubeconfig file, asynchronously: the server under test runs in the test's
 * process, so a blocking call would stall its Kubernetes API proxy and the agents' heartbeats.
 */
export async function runKubectl(kubeconfig: string, args: string[], options: { binary?: string; requestTimeout?: string } = {}): Promise<string> {
  const argv = ['--kubeconfig', kubeconfig, `--request-timeout=${options.requestTimeout ?? '10s'}`, ...args];
  return (await execFileAsync(options.binary ?? 'kubectl', argv, { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
}
