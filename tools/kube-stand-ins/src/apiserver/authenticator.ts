import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  groups: string[];
}

export type AuthDecision = { allowed: true; user: UserInfo } | { allowed: false; code: 401 | 403; message: string };

/** Paths upstream's system:public-info-viewer role opens to unauthenticated users. */
const PUBLIC_PATHS = [/^\/healthz(\/.*)?$/, /^\/livez(\/.*)?$/, /^\/readyz(\/.*)?$/, /^\/version\/?$/];

export interface AuthenticatorOptions {
  anonymousAuth: boolean;
  authorizationModes: string[];
  /** whether --client-ca-file was given (client certificates are requested) */
  clientCertsEnabled: boolean;
}

/**
 * x509 client-certificate authentication against --client-ca-file. Any verified certificate
 * is authorized for everything (as system:masters is); anonymous requests reach only the
 * public health and version paths unless the authorization mode is AlwaysAllow.
 */
export function authenticate(req: IncomingMessage, pathname: string, opts: AuthenticatorOptions): AuthDecision {
  const socket = req.socket as TLSSocket;
  if (opts.clientCertsEnabled && typeof socket.getPeerCertificate === 'function') {
    const cert = socket.getPeerCertificate();
    const presented = cert && Object.keys(cert).length > 0;
    if (presented && socket.authorized) {
      const subject = cert.subject ?? ({} as Record<string, string | string[]>);
      const groups = subject.O === undefined ? [] : Array.isArray(subject.O) ? subject.O : [subject.O];
      return { allowed: true, user: { name: String(subject.CN ?? ''), groups: [...groups, 'system:authenticated'] } };
    }
    if (presented) return { allowed: false, code: 401, message: 'Unauthorized' };
  }
  if (!opts.anonymousAuth) return { allowed: false, code: 401, message: 'Unauthorized' };
  const user = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
  if (opts.authorizationModes.includes('AlwaysAllow') || PUBLIC_PATHS.some((p) => p.test(pathname))) return { allowed: true, user };
  return { allowed: false, code: 403, message: `forbidden: User "system:anonymous" cannot ${(req.method ?? 'get').toLowerCase()} path "${pathname}"` };
}
