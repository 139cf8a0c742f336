import type { ProbeSpec } from '@corral/contracts';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface ProbeResult {
  ok: boolean;
  message: string;
}

export interface ProbeContext {
  /** the path to run for an exec command (argv[0]); throws when the command is not allowed */
  resolveCommand(command: string): string;
  cwd: string;
  env: Record<string, string>;
}

/** Runs one probe attempt (placeholders already expanded); never throws. */
export async function runProbe(probe: ProbeSpec, context: ProbeContext): Promise<ProbeResult> {
  const timeoutMs = Math.max(1, probe.timeoutSeconds) * 1000;
  try {
    switch (probe.type) {
      case 'http':
      case 'https':
        return await httpProbe(probe, timeoutMs);
      case 'tcp':
        return await tcpProbe(probe, timeoutMs);
      case 'exec':
        return await execProbe(probe, timeoutMs, context);
      default:
        return { ok: false, message: `unknown probe type ${String((probe as ProbeSpec).type)}` };
    }
  } catch (err) {
    return { ok: false, message: `${probe.type} probe: ${(err as Error).message}` };
  }
}

function requirePort(probe: ProbeSpec): number {
  if (!probe.port || !Number.isInteger(probe.port)) throw new Error('probe has no port');
  return probe.port;
}

function httpProbe(probe: ProbeSpec, timeoutMs: number): Promise<ProbeResult> {
  const port = requirePort(probe);
  const host = probe.host ?? '127.0.0.1';
  const path = probe.path ?? '/';
  const secure = probe.type === 'https';
  const options: https.RequestOptions = { host, port, path, method: 'GET', timeout: timeoutMs, agent: false };
  if (secure) {
    if (probe.caFile) options.ca = readFileSync(probe.caFile);
    if (probe.certFile) options.cert = readFileSync(probe.certFile);
    if (probe.keyFile) options.key = readFileSync(probe.keyFile);
    if (net.isIP(host) === 0) options.servername = host;
  }
  const url = `${probe.type}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 512) body += chunk;
      });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 400;
        resolve({ ok, message: ok ? `GET ${url}: ${status}` : `GET ${url}: ${status} ${body.trim().slice(0, 200)}` });
      });
      res.on('error', (err) => resolve({ ok: false, message: `GET ${url}: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
    req.on('error', (err) => resolve({ ok: false, message: `GET ${url}: ${err.message}` }));
    req.end();
  });
}

function tcpProbe(probe: ProbeSpec, timeoutMs: number): Promise<ProbeResult> {
  const port = requirePort(probe);
  const host = probe.host ?? '127.0.0.1';
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, message: `tcp ${host}:${port}: timed out after ${timeoutMs}ms` }));
    socket.once('connect', () => finish({ ok: true, message: `tcp ${host}:${port}: connected` }));
    socket.once('error', (err) => finish({ ok: false, message: `tcp ${host}:${port}: ${err.message}` }));
  });
}

function execProbe(probe: ProbeSpec, timeoutMs: number, context: ProbeContext): Promise<ProbeResult> {
  const [command, ...args] = probe.command ?? [];
  if (!command) throw new Error('exec probe has no command');
  const path = context.resolveCommand(command);
  return new Promise((resolve) => {
    const child = spawn(path, args, { cwd: context.cwd, env: context.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-400);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `exec ${command}: ${err.message}` });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const tail = output.trim().split('\n').slice(-2).join(' | ');
      if (code === 0) resolve({ ok: true, message: `exec ${command}: exit 0` });
      else if (signal) resolve({ ok: false, message: `exec ${command}: timed out after ${timeoutMs}ms` });
      else resolve({ ok: false, message: `exec ${command}: exit ${code}${tail ? `: ${tail}` : ''}` });
    });
  });
}
