import { rendezvousOrder } from '@corral/domain';
import type { HostComponentsInput } from './catalog-input';
import { PORTS } from './component-ports';
import { httpsUrl } from './spec-parts';

/**
 * Which apiserver a host's clients (kubelet, kube-proxy, ingress controller, scheduler,
 * controller-manager) talk to: the host's own apiserver when it runs one, else one chosen by
 * rendezvous hashing of the host id over the endpoints. That spreads workers evenly and is
 * stable: adding or removing an apiserver only moves the hosts that used the removed one.
 */
export function selectApiServerEndpoint(input: Pick<HostComponentsInput, 'host' | 'kinds' | 'apiServerEndpoints'>): string {
  if (input.kinds.includes('kube-apiserver')) return httpsUrl(input.host.address, PORTS.apiServer);
  return rendezvousPick(input.apiServerEndpoints, input.host.id, input.host.hostname);
}

export function rendezvousPick(endpoints: readonly string[], key: string, forWhom = key): string {
  const [best] = rendezvousOrder(key, endpoints);
  if (best === undefined) throw new Error(`${forWhom}: no kube-apiserver endpoint to connect to`);
  return best;
}
