import type { DesiredState, StatusReport } from '@corral/contracts';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { AgentApiClient, UnauthorizedError } from './client/agent-api-client';
import { establishServerTrust } from './client/server-trust';
import type { AgentConfig } from './config/agent-config';
import { DesiredStateLoop } from './desired/desired-state-loop';
import { validateDesiredState } from './desired/validate-desired-state';
import { ImageImporter } from './images/image-importer';
import { ensureIdentity, FatalAgentError } from './register/ensure-identity';
import { AgentLock } from './state-dir/agent-lock';
import { writeFileAtomic } from './state-dir/atomic-write';
import { IdentityStore } from './state-dir/host-identity';
import { StateDir } from './state-dir/state-dir';
import { StatusReporter } from './status/status-reporter';
import { Supervisor } from './supervisor/supervisor';
import { whenAborted } from './util/abortable';
import { AGENT_VERSION } from './version';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;
export const EXIT_UNAUTHORIZED = 3;

/**
 * The agent's life: lock the state dir, load or obtain the host identity, resume the cached
 * desired state, then long-poll for new ones and report status until stopped or revoked.
 */
export class Agent {
  private readonly stateDir: StateDir;
  private readonly stop = new AbortController();
  private exitCode = EXIT_OK;

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {
    this.stateDir = new StateDir(config.stateDir);
  }

  /** Ask the agent to stop (signal handler). */
  requestStop(reason: string): void {
    if (this.stop.signal.aborted) return;
    this.logger.info({ reason, stopComponents: this.config.stopComponentsOnExit }, 'stopping agent');
    this.stop.abort();
  }

  /** Runs until stopped; resolves with the process exit code. */
  async run(): Promise<number> {
    const { config, logger } = this;
    this.stateDir.ensure();
    const lock = new AgentLock(this.stateDir);
    try {
      lock.acquire();
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'cannot start');
      return EXIT_FAILURE;
    }
    let supervisor: Supervisor | null = null;
    try {
      await establishServerTrust(config, this.stateDir, logger);
      const client = new AgentApiClient(config.server);
      const registered = await ensureIdentity(
        new IdentityStore(this.stateDir),
        client,
        {
          token: config.token,
          hostname: config.hostname,
          address: config.address,
          labels: config.labels,
          roles: config.roles,
          agentVersion: AGENT_VERSION,
          server: config.server,
        },
        logger,
        this.stop.signal,
      );
      if (!registered) return EXIT_OK;
      client.setCredential(registered.credential);
      const hostId = registered.identity.hostId;

      const sup = new Supervisor({
        stateDir: this.stateDir,
        binDir: config.binDir,
        address: config.address,
        hostname: config.hostname,
        logger,
        // init-step downloads, with the host credential like every other /v1/agent call
        download: (path, file, signal) => client.downloadToFile(path, file, signal),
      });
      supervisor = sup;
      // images the server keeps, imported into this host's containerd once it is healthy
      const importer = new ImageImporter({
        stateDir: this.stateDir,
        binDir: config.binDir,
        logger,
        download: (path, file, signal) => client.downloadToFile(path, file, signal),
        healthy: (name) => sup.snapshot().components.some((c) => c.name === name && c.healthy),
        onChange: () => reporter.notifyChange(),
      });
      const snapshot = (): StatusReport => {
        const images = importer.snapshot();
        return { agentVersion: AGENT_VERSION, ...sup.snapshot(), ...(images ? { images } : {}) };
      };
      const onUnauthorized = (err: UnauthorizedError) => this.revoked(err);
      const reporter = new StatusReporter({ client, snapshot, heartbeatMs: config.heartbeatIntervalMs, onUnauthorized, logger });
      sup.onChange(() => {
        reporter.notifyChange();
        importer.componentsChanged();
      });

      const cached = this.loadCachedDesired(hostId);
      if (cached) {
        logger.info({ revision: cached.revision, components: cached.components.length }, 'resuming cached desired state');
        await sup.apply(cached);
        importer.setDesired(cached);
      }
      const desiredLoop = new DesiredStateLoop({
        client,
        hostId,
        waitSeconds: config.pollWaitSeconds,
        initialRevision: cached?.revision ?? 0,
        apply: async (desired) => {
          await sup.apply(desired);
          importer.setDesired(desired);
          writeFileAtomic(this.stateDir.desiredPath, `${JSON.stringify(desired)}\n`, 0o600);
        },
        onUnauthorized,
        logger,
      });
      logger.info({ hostId, server: config.server.origin, address: config.address, hostname: config.hostname }, 'agent running');
      await Promise.all([desiredLoop.run(this.stop.signal), reporter.run(this.stop.signal), importer.run(this.stop.signal), whenAborted(this.stop.signal)]);

      await sup.close({ stopComponents: config.stopComponentsOnExit });
      if (config.stopComponentsOnExit && this.exitCode !== EXIT_UNAUTHORIZED) await reporter.flush(2000);
      return this.exitCode;
    } catch (err) {
      if (err instanceof FatalAgentError) {
        logger.error(err.message);
        process.stderr.write(`corral-agent: ${err.message}\n`);
        return err.exitCode;
      }
      logger.error({ err }, 'agent failed');
      return EXIT_FAILURE;
    } finally {
      await supervisor?.close({ stopComponents: config.stopComponentsOnExit });
      lock.release();
    }
  }

  private revoked(err: UnauthorizedError): void {
    if (this.stop.signal.aborted) return;
    const message =
      `the server rejected this host's credential (${err.message}): the host was removed or its credential revoked. ` +
      `To join again, delete ${this.stateDir.identityPath} and ${this.stateDir.credentialPath} and start with a new --token.`;
    this.logger.fatal(message);
    process.stderr.write(`corral-agent: ${message}\n`);
    this.exitCode = EXIT_UNAUTHORIZED;
    this.stop.abort();
  }

  /** The last applied desired state, so a restarted agent keeps its components while the server is away. */
  private loadCachedDesired(hostId: string): DesiredState | null {
    let text: string;
    try {
      text = readFileSync(this.stateDir.desiredPath, 'utf8');
    } catch {
      return null;
    }
    try {
      const desired = validateDesiredState(JSON.parse(text));
      if (desired.hostId !== hostId) {
        this.logger.warn({ cachedFor: desired.hostId }, 'ignoring cached desired state of another host');
        return null;
      }
      return desired;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'ignoring unreadable cached desired state');
      return null;
    }
  }
}
