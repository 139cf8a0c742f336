import { request } from 'node:https';

/** The parts of a direct kubeconfig (`?endpoint=direct`) a TLS client needs, and the YAML itself. */
export interface DirectKubeconfig {
  yaml: string;
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export function parseDirectKubeconfig(yaml: string): DirectKubeconfig {
  const field = (name: string) => Buffer.from(new RegExp(`${name}: (\\S+)`).exec(yaml)![1], 'base64').toString('utf8');
  return { yaml, server: /server: (\S+)/.exec(yaml)![1], ca: field('certificate-authority-data'), cert: field('client-certificate-data'), key: field('client-key-data') };
}

/** GET `url` with this CA and client certificate: the HTTP status, or the TLS or socket error's code. */
export function httpsStatus(url: URL | string, tls: { ca: string; cert: string; key: string }, timeoutMs = 10_000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(new URL(url), { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    req.end();
  });
}
