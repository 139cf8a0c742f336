import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RegisterRequest } from '@corral/contracts';
import { HttpError, type AgentApiClient } from '../client/agent-api-client';
import { IdentityStore } from '../state-dir/host-identity';
import { StateDir } from '../state-dir/state-dir';
import { ensureIdentity, FatalAgentError } from './ensure-identity';

const input = { token: 'crl_rt_x', hostname: 'node-a', address: '10.0.0.5', labels: {}, roles: [], agentVersion: '0.1.0', server: new URL('https://corral.example:8080') };

describe('ensureIdentity', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'corral-identity-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A client whose register answers come from `answers`, in turn, recording every request. */
  function client(answers: Array<() => unknown>) {
    const requests: RegisterRequest[] = [];
    const fake = { register: async (request: RegisterRequest) => (requests.push(request), answers.shift()!()) } as unknown as AgentApiClient;
    return { fake, requests };
  }

  it('sends one registration id with every attempt of a registration, so a retry after a lost answer is recognised', async () => {
    const { fake, requests } = client([
      () => {
        throw new Error('socket hang up');
      },
      () => ({ hostId: 'h1', credential: 'crl_hc_1', environmentId: 'e1', pool: null }),
    ]);
    const got = await ensureIdentity(new IdentityStore(new StateDir(dir)), fake, input, pino({ level: 'silent' }), new AbortController().signal);
    expect(got?.identity.hostId).toBe('h1');
    expect(requests).toHaveLength(2);
    expect(requests[0].registrationId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(requests[1].registrationId).toBe(requests[0].registrationId);
  }, 20_000);

  it("stops with the server's reason on 403 (a role the token does not allow) and 409 (a hostname held)", async () => {
    for (const [status, message] of [[403, 'does not allow the role etcd'], [409, 'hostname node-a is held by host h0']] as const) {
      const { fake } = client([
        () => {
          throw new HttpError(status, `POST /v1/agent/register: ${status} ${message}`);
        },
      ]);
      const attempt = ensureIdentity(new IdentityStore(new StateDir(dir)), fake, input, pino({ level: 'silent' }), new AbortController().signal);
      await expect(attempt).rejects.toThrow(FatalAgentError);
      await expect(attempt).rejects.toThrow(message);
    }
  });
});
