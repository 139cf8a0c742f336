import type { DesiredState, RegisterRequest, StatusReport } from '@corral/contracts';
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { testTlsPaths } from '@corral/test-hosts';
import type { AddressInfo } from 'node:net';

/**
 * A throwaway implementation of the three agent-protocol endpoints, for testing the agent
 * process before the real server exists. Not a model of the server's logic beyond the contract.
 */
export class FakeAgentServer {
  readonly registrations: RegisterRequest[] = [];
  readonly reports: StatusReport[] = [];
  readonly bearerTokens = new Set<string>();
  readonly unauthorizedCalls: string[] = [];
  credential = '';
  revoked = false;
  /** how a poll that times out without a change is answered */
  noChangeAnswer: 'same-revision' | 304 | 204 = 304;
  /** how many timed-out polls were answered in each way */
  readonly noChangeAnswers: Record<string, number> = {};
  private desired: DesiredState = { hostId: 'host-1', revision: 0, components: [] };
  private waiters = new Set<() => void>();
  private server: https.Server | null = null;
  port = 0;

  /** HTTPS with the test certificate (or another one, e.g. of a CA the agent does not trust) */
  constructor(private readonly tls: { certFile: string; keyFile: string; caFile: string } = testTlsPaths()) {}

  async start(port = 0): Promise<void> {
    const server = https.createServer({ cert: readFileSync(this.tls.certFile), key: readFileSync(this.tls.keyFile) }, (req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Goes away as a crashed server would: refuses connections until start() again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const wake of this.waiters) wake();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get lastReport(): StatusReport | undefined {
    return this.reports[this.reports.length - 1];
  }

  setDesired(next: Omit<DesiredState, 'hostId'>): void {
    this.desired = { hostId: 'host-1', ...next };
    for (const wake of this.waiters) wake();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /v1/tls/ca') {
        res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(readFileSync(this.tls.caFile));
        return;
      }
      if (route === 'POST /v1/agent/register') {
        const request = JSON.parse(body) as RegisterRequest;
        if (request.token !== 'reg-token') return this.json(res, 401, { message: 'bad token' });
        this.registrations.push(request);
        this.credential = `cred-${Math.random().toString(36).slice(2)}`;
        return this.json(res, 201, { hostId: 'host-1', credential: this.credential, environmentId: 'env-1', pool: null });
      }
      const auth = req.headers.authorization ?? '';
      this.bearerTokens.add(auth);
      if (this.revoked || auth !== `Bearer ${this.credential}`) {
        this.unauthorizedCalls.push(route);
        return this.json(res, 401, { message: 'unauthorized' });
      }
      if (route === 'GET /v1/agent/desired') return this.poll(res, Number(url.searchParams.get('after')), Number(url.searchParams.get('wait')));
      if (route === 'PUT /v1/agent/status') {
        this.reports.push(JSON.parse(body) as StatusReport);
        res.writeHead(204).end();
        return;
      }
      this.json(res, 404, { message: 'not found' });
    });
  }

  private poll(res: http.ServerResponse, after: number, wait: number): void {
    const respond = () => {
      if (res.writableEnded || res.destroyed) return;
      if (this.revoked) return this.json(res, 401, { message: 'revoked' });
      if (this.desired.revision !== after) return this.json(res, 200, this.desired);
      this.noChangeAnswers[this.noChangeAnswer] = (this.noChangeAnswers[this.noChangeAnswer] ?? 0) + 1;
      if (this.noChangeAnswer === 'same-revision') return this.json(res, 200, this.desired);
      res.writeHead(this.noChangeAnswer).end();
    };
    if (this.desired.revision !== after) return respond();
    const answer = () => {
      this.waiters.delete(answer);
      clearTimeout(timer);
      respond();
    };
    const timer = setTimeout(answer, Math.min(wait, 5) * 1000);
    this.waiters.add(answer);
  }

  private json(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }
}
