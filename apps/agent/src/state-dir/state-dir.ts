import { mkdirSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Layout of the agent's state directory:
 *   identity.json            host id, environment/pool, server it registered with (no secret)
 *   credential               host credential, mode 0600
 *   server-ca.pem            the server's CA, fetched once and checked against --ca-fingerprint
 *   desired.json             last applied desired state (served again when the server is away)
 *   agent.lock               pid of the agent that owns this directory
 *   components/<name>/       ${componentDir}: the component's files, rewritten on every start
 *   data/<name>/             ${dataDir}: persistent data, kept across restarts and spec changes
 *   logs/<name>.log[.1-3]    the component's stdout+stderr, rotated by size
 *   run/<name>.json          pid, process start time and specHash of the process we started
 */
export class StateDir {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get identityPath(): string {
    return join(this.root, 'identity.json');
  }
  get credentialPath(): string {
    return join(this.root, 'credential');
  }
  get serverCaPath(): string {
    return join(this.root, 'server-ca.pem');
  }
  get desiredPath(): string {
    return join(this.root, 'desired.json');
  }
  get lockPath(): string {
    return join(this.root, 'agent.lock');
  }
  get runDir(): string {
    return join(this.root, 'run');
  }
  componentDir(name: string): string {
    return join(this.root, 'components', name);
  }
  dataDir(name: string): string {
    return join(this.root, 'data', name);
  }
  logPath(name: string): string {
    return join(this.root, 'logs', `${name}.log`);
  }
  recordPath(name: string): string {
    return join(this.runDir, `${name}.json`);
  }

  /** Creates the directory tree; the root is private to the agent's user. */
  ensure(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    chmodSync(this.root, 0o700);
    for (const sub of ['components', 'data', 'logs', 'run']) mkdirSync(join(this.root, sub), { recursive: true, mode: 0o700 });
  }
}
