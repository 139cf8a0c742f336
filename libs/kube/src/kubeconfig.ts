import { stringify } from 'yaml';

export interface KubeconfigInput {
  environmentName: string;
  /** who the client certificate identifies, e.g. "admin", "kube-scheduler"; names the kubeconfig user */
  user: string;
  /** e.g. https://10.0.0.5:6443 */
  serverUrl: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** defaults to the environment name */
  contextName?: string;
}

const base64 = (pem: string) => Buffer.from(pem, 'utf8').toString('base64');

/**
 * A self-contained kubeconfig (certificates embedded as *-data) with one cluster named after
 * the environment, one user "<user>@<environment>" and one context, which is current.
 */
export function buildKubeconfig(input: KubeconfigInput): string {
  const cluster = input.environmentName;
  const user = `${input.user}@${input.environmentName}`;
  const context = input.contextName ?? input.environmentName;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: input.serverUrl, 'certificate-authority-data': base64(input.caPem) } }],
    users: [
      {
        name: user,
        user: { 'client-certificate-data': base64(input.clientCertPem), 'client-key-data': base64(input.clientKeyPem) },
      },
    ],
    contexts: [{ name: context, context: { cluster, user } }],
    'current-context': context,
    preferences: {},
  });
}

export interface TokenKubeconfigInput {
  environmentName: string;
  /** names the kubeconfig user "<user>@<environment>" */
  user: string;
  serverUrl: string;
  /** the CA that signed the server's certificate; null for a server without TLS (loopback development) */
  caPem: string | null;
  token: string;
}

/** A kubeconfig that authenticates with a bearer token (no certificate, no exec or auth-provider plugin). */
export function buildTokenKubeconfig(input: TokenKubeconfigInput): string {
  const cluster = input.environmentName;
  const user = `${input.user}@${input.environmentName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: input.serverUrl, ...(input.caPem ? { 'certificate-authority-data': base64(input.caPem) } : {}) } }],
    users: [{ name: user, user: { token: input.token } }],
    contexts: [{ name: cluster, context: { cluster, user } }],
    'current-context': cluster,
    preferences: {},
  });
}
