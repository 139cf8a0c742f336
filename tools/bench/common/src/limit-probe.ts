import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ProbeSpec } from '@corral/contracts';

/** runs an exec probe's argv where the component runs (on its host); true when it exits 0 */
export type ExecProbeRunner = (argv: string[], timeoutMs: number) => Promise<boolean>;

/**
 * One attempt of a component's probe (placeholders expanded), as the agent runs it
 * (apps/agent/src/supervisor/probe.ts): http/https GET answering 2xx/3xx, a tcp connect, or an
 * exec probe exiting 0. Never throws.
 */
export function probeOnce(probe: ProbeSpec, exec: ExecProbeRunner): Promise<boolean> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds) * 1000;
  const host = probe.host ?? '127.0.0.1';
  switch (probe.type) {
    case 'http':
    case 'https':
      return httpProbe(probe, host, timeoutMs);
    case 'tcp':
      return new Promise((resolve) => {
        const socket = connect({ host, port: probe.port! });
        const done = (ok: boolean) => {
          socket.destroy();
          resolve(ok);
        };
        socket.setTimeout(timeoutMs, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
      });
    case 'exec':
      return exec(probe.command ?? [], timeoutMs).catch(() => false);
    default:
      return Promise.resolve(false);
  }
}

function httpProbe(probe: ProbeSpec, host: string, timeoutMs: number): Promise<boolean> {
  const secure = probe.type === 'https';
  return new Promise((resolve) => {
    let req;
    try {
      req = (secure ? httpsRequest : httpRequest)(
        {
          host,
          port: probe.port,
          path: probe.path ?? '/',
          method: 'GET',
          agent: false,
          timeout: timeoutMs,
          ...(secure
            ? {
                ca: probe.caFile ? readFileSync(probe.caFile) : undefined,
                cert: probe.certFile ? readFileSync(probe.certFile) : undefined,
                key: probe.keyFile ? readFileSync(probe.keyFile) : undefined,
                rejectUnauthorized: Boolean(probe.caFile),
              }
            : {}),
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 400));
          res.on('error', () => resolve(false));
        },
      );
    } catch {
      resolve(false);
      return;
    }
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
