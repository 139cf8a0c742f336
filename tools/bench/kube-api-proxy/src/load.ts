import { Agent, request } from 'node:https';

export interface Target {
  label: string;
  url: string;
  /** TLS and auth as the kubeconfig gives them */
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
  /** sent with every request, e.g. Kubernetes impersonation */
  headers?: Record<string, string>;
}

export interface LoadResult {
  label: string;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * `concurrency` clients on keep-alive connections, each sending the next GET as soon as the
 * previous one answered, for `seconds`: throughput and latency as a kubectl-heavy CI job sees them.
 */
export async function runLoad(target: Target, path: string, concurrency: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: target.ca, cert: target.cert, key: target.key });
  const url = new URL(`${target.url}${path}`);
  const headers: Record<string, string> = { accept: 'application/json', ...(target.token ? { authorization: `Bearer ${target.token}` } : {}), ...target.headers };
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const once = () =>
    new Promise<boolean>((resolve) => {
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        const ok = await once();
        if (ok) latencies.push(performance.now() - t);
        else errors += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { label: target.label, requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** Adds up rounds of the same target (alternated with the other, so drift hits both alike). */
export function combine(rounds: LoadResult[]): LoadResult {
  const requests = rounds.reduce((n, r) => n + r.requests, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  return {
    label: rounds[0].label,
    requests,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    seconds,
    rps: requests / seconds,
    // rounds are equally long, so the mean of their percentiles stays close to the pooled one
    p50Ms: rounds.reduce((n, r) => n + r.p50Ms, 0) / rounds.length,
    p99Ms: rounds.reduce((n, r) => n + r.p99Ms, 0) / rounds.length,
  };
}
