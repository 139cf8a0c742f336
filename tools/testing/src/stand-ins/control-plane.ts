import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { createTestPki, TestPki } from './pki';
import { freePort } from '@corral/test-hosts';
import { BIN_DIR, EtcdInstance, Managed, REPO_ROOT, startEtcd, startProcess, waitFor } from './processes';

export interface HttpResult {
  status: number;
  body: string;
}

export function httpsRequest(url: string, tls: { ca?: string; cert?: string; key?: string; insecure?: boolean }, method = 'GET', body?: unknown): Promise<HttpResult> {
  const load = (p?: string) => (p ? readFileSync(p) : undefined);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: load(tls.ca),
        cert: load(tls.cert),
        key: load(tls.key),
        rejectUnauthorized: !tls.insecure,
        timeout: 5000,
        headers: body ? { 'Content-Type': 'application/json' } : {},
      },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** Compiles the stand-ins into dist/ so the bin/ wrappers run the code under test. */
export function buildStandIns(): void {
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'swc'), ['tools/kube-stand-ins', '--config-file', '.swcrc', '--out-dir', 'dist', '--quiet'], { cwd: REPO_ROOT });
}

export interface ControlPlane {
  pki: TestPki;
  etcd: EtcdInstance;
  apiserver: Managed;
  server: string;
  admin: { cert: string; key: string };
  adminKubeconfig: string;
  /** stops the apiserver; startApiserver() brings it back with the same flags */
  stopApiserver(): Promise<void>;
  startApiserver(): Promise<void>;
  /** GET/POST/... against the apiserver as admin, JSON-decoded */
  api(path: string, method?: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** etcd + kube-apiserver stand-in with a test PKI, on free ports on 127.0.0.1. */
export async function startControlPlane(dir: string): Promise<ControlPlane> {
  const pki = createTestPki(join(dir, 'pki'));
  const etcdServer = pki.issue('etcd-server', { cn: 'etcd', sans: ['127.0.0.1', 'localhost'], server: true, client: true });
  const etcdClient = pki.issue('etcd-client', { cn: 'kube-apiserver-etcd-client', client: true });
  const serving = pki.issue('apiserver', { cn: 'kube-apiserver', sans: ['127.0.0.1', 'localhost'], server: true });
  const admin = pki.issue('admin', { cn: 'admin', org: 'system:masters', client: true });
  const sa = pki.issue('sa', { cn: 'service-accounts' });
  const etcd = await startEtcd(dir, { ca: pki.caCert, ...etcdServer });
  await waitFor('etcd', async () => (await httpsRequest(`${etcd.url}/health`, { ca: pki.caCert, ...etcdClient })).status === 200);
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const args = [
      '--advertise-address=127.0.0.1',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--etcd-servers=${etcd.url}`,
      `--etcd-cafile=${pki.caCert}`,
      `--etcd-certfile=${etcdClient.cert}`,
      `--etcd-keyfile=${etcdClient.key}`,
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--service-account-key-file=${sa.cert}`,
      `--service-account-signing-key-file=${sa.key}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--authorization-mode=Node,RBAC',
  ];
  const cp = {} as ControlPlane;
  cp.startApiserver = async () => {
    cp.apiserver = startProcess(join(BIN_DIR, 'kube-apiserver'), args, join(dir, 'apiserver.log'));
    await waitFor('apiserver ready', async () => (await httpsRequest(`${server}/readyz`, { ca: pki.caCert })).status === 200);
  };
  cp.stopApiserver = async () => {
    await cp.apiserver.stop();
  };
  await cp.startApiserver();
  const api = async (path: string, method = 'GET', body?: unknown) => {
    const res = await httpsRequest(server + path, { ca: pki.caCert, ...admin }, method, body);
    let parsed: unknown = res.body;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      // text
    }
    return { status: res.status, body: parsed as any };
  };
  return Object.assign(cp, { pki, etcd, server, admin, adminKubeconfig: pki.kubeconfig('admin', server, admin), api });
}
