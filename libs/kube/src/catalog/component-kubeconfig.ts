import type { FileSpec } from '@corral/contracts';
import { buildKubeconfig } from '../kubeconfig';
import type { CertificatePem } from '../pki';
import { clusterTrustPem, type HostComponentsInput } from './catalog-input';
import { selectApiServerEndpoint } from './select-api-server-endpoint';
import { secretFile } from './spec-parts';

/** "kubeconfig" (0600) for a component on this host, pointing at the apiserver its host uses. */
export function componentKubeconfigFile(input: HostComponentsInput, user: string, client: CertificatePem): FileSpec {
  return secretFile(
    'kubeconfig',
    buildKubeconfig({
      environmentName: input.environment.name,
      user,
      serverUrl: selectApiServerEndpoint(input),
      caPem: clusterTrustPem(input),
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
    }),
  );
}
