import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { setDefaultCACertificates } from 'node:tls';
import type { Logger } from 'pino';

import type { AgentConfig } from '../config/agent-config';
import { FatalAgentError } from '../register/fatal-agent-error';
import { writeFileAtomic } from '../state-dir/atomic-write';
import type { StateDir } from '../state-dir/state-dir';

export const EXIT_TLS = 4;

export function fingerprintOf(pem: string): string {
  return `sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
}

/**
 * Makes every later request of this process verify the server against the configured CA:
 * --ca-file, or --ca-fingerprint (the CA fetched once from /v1/tls/ca, kept only if its
 * fingerprint is the pinned one, as kubeadm's discovery pins the cluster CA), else the
 * system's CAs. Plain http:// (loopback only, --insecure-http) is logged as a warning.
 */
export async function establishServerTrust(config: AgentConfig, stateDir: StateDir, logger: Logger): Promise<void> {
  if (config.server.protocol === 'http:') {
    logger.warn({ server: config.server.origin }, '--insecure-http: the token and the host credential cross this loopback connection unencrypted; use https:// beyond development');
    return;
  }
  if (config.caFile) {
    trustOnly(readCa(config.caFile, '--ca-file'));
    return;
  }
  if (!config.caFingerprint) return;
  const kept = stateDir.serverCaPath;
  if (existsSync(kept)) {
    const pem = readCa(kept, 'the kept server CA');
    if (fingerprintOf(pem) === config.caFingerprint) {
      trustOnly(pem);
      return;
    }
  }
  const pem = await fetchCaUnverified(config.server);
  const actual = fingerprintOf(pem);
  if (actual !== config.caFingerprint) {
    throw new FatalAgentError(
      `the server's CA has the fingerprint ${actual}, not the pinned ${config.caFingerprint}: this is not the server the registration command names (or its CA changed); ask its operator for a new command`,
      EXIT_TLS,
    );
  }
  writeFileAtomic(kept, pem, 0o644);
  trustOnly(pem);
  logger.info({ fingerprint: actual }, 'server CA fetched and matches the pinned fingerprint');
}

function trustOnly(pem: string): void {
  setDefaultCACertificates([pem]);
}

function readCa(file: string, what: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FatalAgentError(`${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, EXIT_TLS);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new FatalAgentError(`${what}: ${file} holds no PEM certificate`, EXIT_TLS);
  }
  return pem;
}

/** The server's CA certificate, read before it can be verified: only its fingerprint makes it trusted. */
function fetchCaUnverified(server: URL): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/v1/tls/ca', server), { rejectUnauthorized: false, timeout: 15_000, headers: { accept: 'application/x-pem-file' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new FatalAgentError(`GET /v1/tls/ca answered ${res.statusCode}: the server cannot hand out its CA; give --ca-file instead`, EXIT_TLS));
        resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${server.origin} within 15 s`)));
    req.on('error', (err) => reject(new FatalAgentError(`cannot fetch the server's CA from ${server.origin}: ${err.message}`, EXIT_TLS)));
    req.end();
  });
}
