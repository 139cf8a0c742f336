import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Test PKI made with the openssl CLI: one CA, serving and client certificates, kubeconfigs. */
export interface TestPki {
  dir: string;
  caCert: string;
  caKey: string;
  /** writes <name>.crt/.key signed by the CA and returns their paths */
  issue(name: string, opts: { cn: string; org?: string; sans?: string[]; server?: boolean; client?: boolean }): { cert: string; key: string };
  kubeconfig(name: string, server: string, client: { cert: string; key: string }): string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey], dir);
  openssl(['req', '-x509', '-new', '-key', caKey, '-subj', '/CN=test-ca', '-days', '2', '-out', caCert, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], dir);
  return {
    dir,
    caCert,
    caKey,
    issue(name, opts) {
      const key = join(dir, `${name}.key`);
      const cert = join(dir, `${name}.crt`);
      const csr = join(dir, `${name}.csr`);
      const ext = join(dir, `${name}.ext`);
      const usages = [opts.server ? 'serverAuth' : '', opts.client ? 'clientAuth' : ''].filter((u) => u).join(',');
      const sans = (opts.sans ?? []).map((s) => (/^[\d.]+$/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(',');
      writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${usages ? `extendedKeyUsage=${usages}\n` : ''}${sans ? `subjectAltName=${sans}\n` : ''}`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
      openssl(['req', '-new', '-key', key, '-subj', `/CN=${opts.cn}${opts.org ? `/O=${opts.org}` : ''}`, '-out', csr], dir);
      openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert], dir);
      return { cert, key };
    },
    kubeconfig(name, server, client) {
      const path = join(dir, `${name}.kubeconfig`);
      writeFileSync(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: test`,
          `  cluster:`,
          `    server: ${server}`,
          `    certificate-authority: ${caCert}`,
          'users:',
          `- name: ${name}`,
          `  user:`,
          `    client-certificate: ${client.cert}`,
          `    client-key: ${client.key}`,
          'contexts:',
          `- name: test`,
          `  context: {cluster: test, user: ${name}}`,
          'current-context: test',
          '',
        ].join('\n'),
      );
      return path;
    },
  };
}
