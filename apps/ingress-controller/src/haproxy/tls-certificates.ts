import type { V1Secret } from '@kubernetes/client-node';
import type { IngressTls } from '../rules/ingress-rules';

export interface TlsCertificates {
  /** file name (in the run dir's certs/) -> certificate chain and key, PEM */
  files: Map<string, string>;
  /** HAProxy crt-list: one line per certificate with the SNI names it serves; the first is the default */
  crtList: string;
  skipped: string[];
}

/**
 * The certificates HAProxy serves from the Ingresses' `tls` Secrets (type kubernetes.io/tls):
 * one PEM file per Secret, selected by SNI for the hosts its entries name (or, with none, by the
 * names in the certificate). A Secret that is missing or lacks tls.crt / tls.key is skipped.
 */
export function tlsCertificates(entries: readonly IngressTls[], secret: (namespace: string, name: string) => V1Secret | undefined, certDir: string): TlsCertificates {
  const bySecret = new Map<string, { namespace: string; name: string; hosts: Set<string> }>();
  for (const e of entries) {
    const key = `${e.namespace}_${e.secret}`;
    const entry = bySecret.get(key) ?? { namespace: e.namespace, name: e.secret, hosts: new Set<string>() };
    for (const h of e.hosts) entry.hosts.add(h);
    bySecret.set(key, entry);
  }
  const files = new Map<string, string>();
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const [key, { namespace, name, hosts }] of bySecret) {
    const data = secret(namespace, name)?.data ?? {};
    const crt = data['tls.crt'];
    const keyPem = data['tls.key'];
    if (!crt || !keyPem) {
      skipped.push(`secret ${namespace}/${name}: ${secret(namespace, name) ? 'no tls.crt and tls.key' : 'not found'}`);
      continue;
    }
    const pem = `${Buffer.from(crt, 'base64').toString('utf8').trim()}\n${Buffer.from(keyPem, 'base64').toString('utf8').trim()}\n`;
    const file = `${key}.pem`;
    files.set(file, pem);
    lines.push([`${certDir}/${file}`, ...[...hosts].sort()].join(' '));
  }
  return { files, crtList: lines.length ? `${lines.join('\n')}\n` : '', skipped };
}
