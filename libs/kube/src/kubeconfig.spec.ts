import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { buildKubeconfig } from './kubeconfig';
import { CertificateIssuer, createEnvironmentCas, issueAdminCertificate } from './pki';

describe('buildKubeconfig', () => {
  it('embeds the CA and client identity and loads in the Kubernetes client', async () => {
    const cas = await createEnvironmentCas('ci');
    const admin = await issueAdminCertificate(await CertificateIssuer.load(cas));
    const text = buildKubeconfig({
      environmentName: 'ci',
      user: 'admin',
      serverUrl: 'https://127.0.0.2:6443',
      caPem: cas.clusterCa.certPem,
      clientCertPem: admin.certPem,
      clientKeyPem: admin.keyPem,
    });

    const doc = parse(text);
    expect(doc).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'ci' });
    expect(doc.contexts).toEqual([{ name: 'ci', context: { cluster: 'ci', user: 'admin@ci' } }]);

    const kc = new KubeConfig();
    kc.loadFromString(text);
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'ci', server: 'https://127.0.0.2:6443' });
    expect(Buffer.from(kc.getCurrentCluster()!.caData!, 'base64').toString()).toBe(cas.clusterCa.certPem);
    const user = kc.getCurrentUser()!;
    expect(user.name).toBe('admin@ci');
    expect(Buffer.from(user.certData!, 'base64').toString()).toBe(admin.certPem);
    expect(Buffer.from(user.keyData!, 'base64').toString()).toBe(admin.keyPem);
  });

  it('takes an explicit context name', () => {
    const text = buildKubeconfig({
      environmentName: 'ci',
      user: 'kubelet',
      serverUrl: 'https://h:6443',
      caPem: 'ca',
      clientCertPem: 'c',
      clientKeyPem: 'k',
      contextName: 'kubelet@ci',
    });
    expect(parse(text)['current-context']).toBe('kubelet@ci');
  });
});
