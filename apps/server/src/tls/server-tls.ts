import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CorralConfig } from '../config/corral-config';

export interface ServerTlsMaterial {
  cert: string;
  key: string;
  /** the CA clients should trust for this server: CORRAL_TLS_CA_FILE, else the chain's last certificate */
  caPem: string;
}

const loaded = new Map<string, ServerTlsMaterial>();

/** Reads the certificate, key and CA once; a problem names the variable and what to do. */
export function loadServerTls(config: CorralConfig): ServerTlsMaterial | null {
  const tls = config.tls;
  if (!tls) return null;
  const cacheKey = `${tls.certFile}\0${tls.keyFile}\0${tls.caFile ?? ''}`;
  const cached = loaded.get(cacheKey);
  if (cached) return cached;
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const cert = read('CORRAL_TLS_CERT_FILE', tls.certFile);
  const key = read('CORRAL_TLS_KEY_FILE', tls.keyFile);
  const chain = cert.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (chain.length === 0) throw new Error(`CORRAL_TLS_CERT_FILE: ${tls.certFile} holds no PEM certificate`);
  const caPem = tls.caFile ? read('CORRAL_TLS_CA_FILE', tls.caFile) : `${chain[chain.length - 1]}\n`;
  const ca = new X509Certificate(caPem);
  if (!tls.caFile && ca.subject !== ca.issuer) {
    throw new Error(`CORRAL_TLS_CA_FILE: ${tls.certFile} does not end with its CA certificate; name the CA that signed it in CORRAL_TLS_CA_FILE (clients are given it to trust)`);
  }
  const material = { cert, key, caPem };
  loaded.set(cacheKey, material);
  return material;
}

/** The CA PEM a client of this server should trust, or null when it serves plain HTTP. */
export function readServerCa(config: CorralConfig): string | null {
  return loadServerTls(config)?.caPem ?? null;
}

/** "sha256:<hex>" of a PEM certificate's DER, as the agent's --ca-fingerprint takes it. */
export function certificateFingerprint(pem: string): string {
  return `sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
}

/** The server's URL as this client reached it, unless CORRAL_PUBLIC_URL names it. */
export function requestPublicUrl(config: CorralConfig, req: { socket: unknown; headers: { host?: string } }): string {
  if (config.publicUrl) return config.publicUrl;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? `127.0.0.1:${config.port}`}`;
}

/** The line that registers a host with this token, pinning the server's CA by fingerprint. */
export function agentRegistrationCommand(config: CorralConfig, serverUrl: string, token: string): string {
  const ca = readServerCa(config);
  const trust = ca ? `--ca-fingerprint ${certificateFingerprint(ca)}` : '--insecure-http';
  return `corral-agent --server ${serverUrl} --token ${token} ${trust}`;
}
