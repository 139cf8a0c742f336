import { existsSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import type { StateDir } from './state-dir';

/** Who this host is to the server. The credential is kept apart, in a 0600 file. */
export interface HostIdentity {
  hostId: string;
  environmentId: string | null;
  pool: string | null;
  hostname: string;
  server: string;
  registeredAt: string;
}

export class IdentityStore {
  constructor(private readonly stateDir: StateDir) {}

  /** The saved identity and credential, or null before the first registration. */
  load(): { identity: HostIdentity; credential: string } | null {
    const hasIdentity = existsSync(this.stateDir.identityPath);
    const hasCredential = existsSync(this.stateDir.credentialPath);
    if (!hasIdentity && !hasCredential) return null;
    if (!hasIdentity || !hasCredential) {
      throw new Error(
        `state dir ${this.stateDir.root} holds ${hasIdentity ? 'identity.json but no credential' : 'a credential but no identity.json'}; ` +
          'remove both to register again',
      );
    }
    const identity = JSON.parse(readFileSync(this.stateDir.identityPath, 'utf8')) as HostIdentity;
    if (typeof identity.hostId !== 'string' || identity.hostId === '') throw new Error(`${this.stateDir.identityPath} has no hostId`);
    // keep the secret private even if someone loosened its mode
    if ((statSync(this.stateDir.credentialPath).mode & 0o077) !== 0) chmodSync(this.stateDir.credentialPath, 0o600);
    const credential = readFileSync(this.stateDir.credentialPath, 'utf8').trim();
    if (credential === '') throw new Error(`${this.stateDir.credentialPath} is empty`);
    return { identity, credential };
  }

  /** The credential first, then identity.json: identity.json marks a complete registration. */
  save(identity: HostIdentity, credential: string): void {
    writeFileAtomic(this.stateDir.credentialPath, `${credential}\n`, 0o600);
    writeFileAtomic(this.stateDir.identityPath, `${JSON.stringify(identity, null, 2)}\n`, 0o600);
  }
}
