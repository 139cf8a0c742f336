import { Injectable, Logger } from '@nestjs/common';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import { Transform, type Duplex } from 'node:stream';
import { connect } from 'node:tls';
import { isReadOnlyKubeRequest, isWatchRequest, KUBE_ACCESS_GROUPS, parseKubeApiPath, resumeWatchPath, watchEventResourceVersion, type KubeApiTarget } from '@corral/domain';
import { KubeApiCallersService, type KubeApiCaller } from './kube-api-callers.service';
import { KeyRevocations } from '../fair-use/key-revocations';
import { ApiserverPoolsService, PoolUnavailable } from './apiserver-pools.service';
import type { ApiserverBackend, ApiserverPool } from './apiserver-pool';

/** A refusal answered as a Kubernetes Status, which kubectl prints as it prints the apiserver's own. */
class Refusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface Admitted {
  target: KubeApiTarget;
  caller: KubeApiCaller;
  pool: ApiserverPool;
}

/** Headers never forwarded: hop-by-hop ones, the caller's credential, and identities only the proxy may assert. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization']);
const FORBIDDEN_PREFIXES = ['impersonate-', 'x-remote-'];
const CONNECT_TIMEOUT_MS = 2_000;
/** names the host whose kube-apiserver answered, for the operator who wonders where a request went */
export const SERVED_BY_HEADER = 'corral-kube-apiserver';
/** tries per idempotent request that fails before any answer (its backend died): the first and two others */
const ATTEMPTS = 3;
/** how many times one watch is moved to another apiserver */
const WATCH_RESUMES = 3;

/**
 * Serves each environment's Kubernetes API at /k8s/environments/{env}/...: authenticates the
 * Corral key or kubeconfig token, keeps `read` callers to reads, and forwards every verb
 * (streams and upgrades included) to a usable kube-apiserver as the caller, through
 * Kubernetes impersonation of a user named after the key.
 */
@Injectable()
export class KubeApiProxy {
  private readonly logger = new Logger(KubeApiProxy.name);

  constructor(
    private readonly callers: KubeApiCallersService,
    private readonly pools: ApiserverPoolsService,
    private readonly revocations: KeyRevocations,
  ) {}

  handles(url: string | undefined): boolean {
    return url !== undefined && url.startsWith('/k8s/');
  }

  async handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const admitted = await this.admit(req, false);
      this.endOnRevocation(admitted.caller, res, () => res.destroy());
      this.forward(admitted, req, res, new Set());
    } catch (err) {
      answerRefusal(res, err, this.logger);
    }
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    let admitted: Admitted;
    try {
      admitted = await this.admit(req, true);
    } catch (err) {
      const refusal = toRefusal(err, this.logger);
      const body = statusBody(refusal);
      socket.end(`HTTP/1.1 ${refusal.code} ${refusal.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    const backend = admitted.pool.pick();
    if (!backend) {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n`);
      return;
    }
    this.endOnRevocation(admitted.caller, socket, () => socket.destroy());
    const { tls } = admitted.pool;
    const upstream = connect({ host: backend.record.address, port: backend.record.port, ca: tls.caPem, cert: tls.certPem, key: tls.keyPem });
    const untrack = backend.track({
      destroy: () => {
        upstream.destroy();
        socket.destroy();
      },
    });
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error('connect timeout')));
    upstream.once('secureConnect', () => {
      upstream.setTimeout(0);
      upstream.write(rawRequestHead(req, admitted));
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => {
      untrack();
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', (err) => {
      if (!upstream.writableEnded && upstream.bytesWritten === 0) {
        admitted.pool.reportFailure(backend);
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\n`);
        this.logger.warn({ environment: admitted.target.environment, host: backend.record.hostname, err: err.message }, 'upgrade could not reach kube-apiserver');
      }
      close();
    });
    upstream.on('close', close);
    socket.on('close', close);
  }

  /** A deleted key's open requests (watches, logs, exec streams) end at once, on every replica. */
  private endOnRevocation(caller: KubeApiCaller, connection: { once(event: 'close', listener: () => void): unknown }, end: () => void): void {
    const closed = new AbortController();
    connection.once('close', () => closed.abort());
    this.revocations.watch(caller.apiKeyId, closed.signal, () => {
      this.callers.forgetKey(caller.apiKeyId);
      end();
    });
  }

  private async admit(req: IncomingMessage, upgrade: boolean): Promise<Admitted> {
    const target = parseKubeApiPath(req.url ?? '');
    if (!target) throw new Refusal(404, 'NotFound', 'not a Kubernetes API path: use /k8s/environments/{environment}/...');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) throw new Refusal(401, 'Unauthorized', 'missing credential: send Authorization: Bearer <Corral API key or kubeconfig token>');
    const caller = await this.callers.authenticate(bearer);
    if (!caller) throw new Refusal(401, 'Unauthorized', 'the Corral API key or kubeconfig token is not valid (deleted or expired): download a new kubeconfig');
    const pool = await this.pools.forEnvironment(target.environment).catch((err: unknown) => {
      if (err instanceof PoolUnavailable) throw new Refusal(err.status, err.status === 404 ? 'NotFound' : 'ServiceUnavailable', err.message);
      throw err;
    });
    if (caller.environmentId !== null && caller.environmentId !== pool.environmentId) {
      throw new Refusal(403, 'Forbidden', `this kubeconfig token belongs to another environment than ${target.environment}`);
    }
    if (caller.access === 'read' && !isReadOnlyKubeRequest(req.method ?? 'GET', target.path, upgrade)) {
      throw new Refusal(403, 'Forbidden', `${caller.user} has read access: ${req.method} ${target.path.split('?')[0]} needs a write key`);
    }
    return { target, caller, pool };
  }

  private forward(admitted: Admitted, req: IncomingMessage, res: ServerResponse, tried: Set<ApiserverBackend>, watch: WatchResume | null = null): void {
    const { pool, target } = admitted;
    const method = (req.method ?? 'GET').toUpperCase();
    const resuming = watch !== null && res.headersSent;
    if (watch === null && isWatchRequest(method, target.path)) watch = { resourceVersion: null, json: false, resumes: 0 };
    const backend = pool.pick(tried);
    if (!backend) {
      const message = `no kube-apiserver of environment ${target.environment} answers now; retry in a few seconds`;
      if (resuming) endInterruptedStream(res, req, target, message);
      else answerRefusal(res, new Refusal(503, 'ServiceUnavailable', message), this.logger);
      return;
    }
    const idempotent = method === 'GET' || method === 'HEAD';
    const path = resuming && watch?.resourceVersion ? resumeWatchPath(target.path, watch.resourceVersion) : target.path;
    const upstream = request({
      host: backend.record.address,
      port: backend.record.port,
      method,
      path,
      headers: forwardedHeaders(req.headers, admitted.caller),
      // the backend's agent carries the TLS material and keeps its connections
      agent: backend.agent,
    });
    let answer: IncomingMessage | null = null;
    let scanner: Transform | null = null;
    let finished = false;
    // the backend went away after answering began: a JSON watch moves on, anything else ends
    const interrupt = (reason: string) => {
      if (finished) return;
      finished = true;
      untrack();
      scanner?.unpipe(res);
      answer?.unpipe();
      answer?.destroy();
      upstream.destroy();
      pool.reportFailure(backend);
      tried.add(backend);
      if (watch?.json && watch.resumes < WATCH_RESUMES && !res.writableEnded && !res.destroyed) {
        watch.resumes += 1;
        this.logger.log({ environment: target.environment, from: backend.record.hostname, resourceVersion: watch.resourceVersion }, 'resuming a watch on another kube-apiserver');
        this.forward(admitted, req, res, tried, watch);
        return;
      }
      endInterruptedStream(res, req, target, `kube-apiserver on ${backend.record.hostname} went away (${reason}); run the command again`);
    };
    const untrack = backend.track({ destroy: (err?: Error) => (answer || res.headersSent ? interrupt(err?.message ?? 'abandoned') : upstream.destroy(err)) });
    upstream.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => upstream.destroy(new Error(`no connection to ${backend.record.address} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    upstream.on('response', (incoming) => {
      answer = incoming;
      if (resuming) {
        if (incoming.statusCode !== 200) {
          finished = true;
          untrack();
          incoming.resume();
          endInterruptedStream(res, req, target, `the watch could not be resumed on kube-apiserver ${backend.record.hostname} (HTTP ${incoming.statusCode}); run the command again`);
          return;
        }
      } else {
        const headers: Record<string, string | string[] | undefined> = { ...incoming.headers, [SERVED_BY_HEADER]: backend.record.hostname };
        for (const name of HOP_BY_HOP) delete headers[name];
        res.writeHead(incoming.statusCode ?? 502, headers);
        // a stream's client must see the answer start before the first event or line arrives
        if (watch || isStreaming(target.path)) res.flushHeaders();
      }
      if (watch && incoming.statusCode === 200 && String(incoming.headers['content-type'] ?? '').startsWith('application/json')) {
        watch.json = true;
        scanner = watchLineScanner(watch);
        incoming.pipe(scanner).pipe(res);
      } else {
        incoming.pipe(res);
      }
      incoming.on('aborted', () => interrupt('the connection was cut'));
      incoming.on('error', (err) => interrupt(err.message));
      incoming.on('end', () => {
        finished = true;
        untrack();
      });
    });
    upstream.on('error', (err) => {
      if (answer || res.headersSent) {
        interrupt(err.message);
        return;
      }
      untrack();
      pool.reportFailure(backend);
      tried.add(backend);
      if (idempotent && tried.size < ATTEMPTS && !res.destroyed) {
        this.forward(admitted, req, res, tried, watch);
        return;
      }
      answerRefusal(res, new Refusal(502, 'ServiceUnavailable', `kube-apiserver on ${backend.record.hostname} failed mid-request (${err.message}); retry`), this.logger);
    });
    res.once('close', () => {
      if (finished) return;
      finished = true;
      untrack();
      if (!res.writableFinished) upstream.destroy();
    });
    if (idempotent) upstream.end();
    else req.pipe(upstream);
  }
}

/** `logs?follow=true` and the like: answers that stay open and trickle. */
function isStreaming(path: string): boolean {
  return /[?&]follow=(1|true)(&|$)/.test(path);
}

/** A watch the proxy re-establishes on another apiserver when its own dies (JSON streams only). */
interface WatchResume {
  /** of the last complete event passed on */
  resourceVersion: string | null;
  json: boolean;
  resumes: number;
}

/** Passes a JSON watch stream on in whole lines only (a cut never leaves half an event) and notes each event's resourceVersion. */
function watchLineScanner(watch: WatchResume): Transform {
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8');
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return done();
      const complete = pending.slice(0, cut + 1);
      pending = pending.slice(cut + 1);
      for (const line of complete.split('\n')) {
        const rv = line ? watchEventResourceVersion(line) : null;
        if (rv) watch.resourceVersion = rv;
      }
      done(null, complete);
    },
    flush(done) {
      done(null, pending);
    },
  });
}

function forwardedHeaders(incoming: IncomingHttpHeaders, caller: KubeApiCaller, keepUpgrade = false): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) && !(keepUpgrade && (name === 'connection' || name === 'upgrade'))) continue;
    if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    out[name] = value;
  }
  out['impersonate-user'] = caller.user;
  out['impersonate-group'] = [KUBE_ACCESS_GROUPS[caller.access]];
  return out;
}

/** The request line and headers of an upgrade, as sent to the apiserver over the raw TLS socket. */
function rawRequestHead(req: IncomingMessage, admitted: Admitted): string {
  const lines = [`${req.method} ${admitted.target.path} HTTP/1.1`];
  const headers = forwardedHeaders(req.headers, admitted.caller, true);
  headers.host = 'kubernetes';
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (/[\r\n]/.test(v)) continue;
      lines.push(`${name}: ${v}`);
    }
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A stream whose apiserver died and that cannot move: a JSON watch ends with an ERROR event
 * carrying a Status (clients that print events show why); other streams are cut.
 */
function endInterruptedStream(res: ServerResponse, req: IncomingMessage, target: KubeApiTarget, message: string): void {
  const query = target.path.split('?')[1] ?? '';
  const watching = /(^|&)watch=(1|true)(&|$)/.test(query);
  const json = String(res.getHeader('content-type') ?? '').startsWith('application/json');
  if (watching && json && !res.writableEnded) {
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'ServiceUnavailable', code: 503 };
    res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    return;
  }
  req.socket.destroy();
}

function toRefusal(err: unknown, logger: Logger): Refusal {
  if (err instanceof Refusal) return err;
  logger.error({ err: (err as Error).message }, 'Kubernetes API proxy failed');
  return new Refusal(500, 'InternalError', 'the Corral server could not proxy this request; see its log');
}

function statusBody(refusal: Refusal): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: refusal.message, reason: refusal.reason, code: refusal.code });
}

function answerRefusal(res: ServerResponse, err: unknown, logger: Logger): void {
  const refusal = toRefusal(err, logger);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = statusBody(refusal);
  res.writeHead(refusal.code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
