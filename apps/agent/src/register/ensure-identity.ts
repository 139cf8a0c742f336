import type { HostRole } from '@corral/contracts';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AgentApiClient, HttpError, UnauthorizedError } from '../client/agent-api-client';
import { IdentityStore, type HostIdentity } from '../state-dir/host-identity';
import { Backoff } from '@corral/domain';
import { sleep } from '@corral/domain';
import { FatalAgentError } from './fatal-agent-error';
import { EXIT_TLS } from '../client/server-trust';
import { tlsVerificationFailure } from '@corral/domain';

export interface RegistrationInput {
  token: string | null;
  hostname: string;
  address: string;
  labels: Record<string, string>;
  roles: HostRole[];
  agentVersion: string;
  server: URL;
}

export { FatalAgentError };

/**
 * The host's identity: the saved one if this host registered before (no new registration),
 * else a registration with the token, retried with backoff while the server is unreachable.
 */
export async function ensureIdentity(
  store: IdentityStore,
  client: AgentApiClient,
  input: RegistrationInput,
  logger: Logger,
  signal: AbortSignal,
): Promise<{ identity: HostIdentity; credential: string } | null> {
  const saved = store.load();
  if (saved) {
    if (new URL(saved.identity.server).origin !== input.server.origin) {
      throw new FatalAgentError(
        `this host registered with ${new URL(saved.identity.server).origin} and will not send its credential to ${input.server.origin}: ` +
          'point --server back at it, or remove identity.json and credential from the state dir and register with a token of the new server',
        2,
      );
    }
    logger.info({ hostId: saved.identity.hostId }, 'using saved host identity');
    return saved;
  }
  if (!input.token) {
    throw new FatalAgentError('this host has not registered yet: --token (or CORRAL_TOKEN) is required for the first start', 2);
  }
  const backoff = new Backoff();
  // one id for every attempt of this registration: a retry whose first answer was lost on the
  // way gets the same host back instead of a 409 for its own hostname (or a used-up token)
  const registrationId = randomBytes(24).toString('base64url');
  while (!signal.aborted) {
    try {
      const res = await client.register(
        {
          token: input.token,
          hostname: input.hostname,
          addresses: [input.address],
          labels: input.labels,
          roles: input.roles,
          agentVersion: input.agentVersion,
          registrationId,
        },
        signal,
      );
      if (typeof res.hostId !== 'string' || typeof res.credential !== 'string' || res.credential === '') {
        throw new FatalAgentError('the server answered the registration without a host id or credential', 1);
      }
      const identity: HostIdentity = {
        hostId: res.hostId,
        environmentId: res.environmentId ?? null,
        pool: res.pool ?? null,
        hostname: input.hostname,
        server: input.server.href,
        registeredAt: new Date().toISOString(),
      };
      store.save(identity, res.credential);
      logger.info({ hostId: identity.hostId, environmentId: identity.environmentId, pool: identity.pool }, 'registered host');
      return { identity, credential: res.credential };
    } catch (err) {
      if (err instanceof FatalAgentError) throw err;
      const tlsFailure = tlsVerificationFailure(err);
      if (tlsFailure) {
        throw new FatalAgentError(
          `refusing to register: ${input.server.origin} presented a certificate that the configured trust (--ca-file, --ca-fingerprint or the system CAs) does not accept (${tlsFailure}); check that --server and the CA belong together`,
          EXIT_TLS,
        );
      }
      if (err instanceof UnauthorizedError) {
        throw new FatalAgentError('the server rejected the registration token (expired, used up or wrong)', 3);
      }
      if (err instanceof HttpError && err.status === 403) throw new FatalAgentError(`registration refused: ${err.message}`, 3);
      if (err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        throw new FatalAgentError(`registration refused: ${err.message}`, 1);
      }
      if (signal.aborted) break;
      const delay = backoff.next();
      logger.warn({ err: (err as Error).message, retryInMs: delay }, 'registration failed, retrying');
      await sleep(delay, signal);
    }
  }
  return null;
}
