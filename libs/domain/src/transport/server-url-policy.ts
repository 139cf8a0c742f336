const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** Whether a URL's host is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Why a client (agent, CLI) must not talk to this server URL, or null when it may. Plain HTTP
 * carries registration tokens, host credentials and keys in the clear, so it is refused unless
 * the operator asked for it (--insecure-http), and then only on the loopback.
 */
export function serverUrlProblem(url: URL, options: { insecureHttp: boolean; flag?: string }): string | null {
  const flag = options.flag ?? '--server';
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `${flag}: must be an https:// URL`;
  if (!options.insecureHttp) {
    return `${flag}: ${url.origin} is plain HTTP, which would send tokens and credentials in the clear: use https:// (trusting the server with --ca-file), or --insecure-http for loopback development`;
  }
  if (!isLoopbackHost(url.hostname)) {
    return `${flag}: --insecure-http is for loopback development only; ${url.hostname} is not a loopback address: use https://`;
  }
  return null;
}

/** "sha256:AB:CD..." or "ab cd..." -> "sha256:abcd..." (64 hex digits), or null when it is not a SHA-256 fingerprint. */
export function normalizeSha256Fingerprint(value: string): string | null {
  const hex = value.trim().replace(/^sha256:/i, '').replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : null;
}

/** Errors of Node's TLS verification: the server is not who the configured trust says. */
const VERIFICATION_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The TLS verification code behind a failed request (fetch wraps it in `cause`), or null. */
export function tlsVerificationFailure(err: unknown): string | null {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.code && VERIFICATION_CODES.has(e.code)) return e.code;
  }
  return null;
}
