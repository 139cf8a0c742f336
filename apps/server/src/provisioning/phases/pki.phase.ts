import type { HostPkiNeed } from '../environment-pki.service';
import type { PlacedHosts } from './placement.phase';
import { hostAddress, type ReconcileView } from './reconcile-view';

/** PKI phase input: the certificates each host's placed components need, and the apiservers' addresses (their SANs). */
export function pkiNeeds(view: Pick<ReconcileView, 'hostById'>, placed: Pick<PlacedHosts, 'kindsByHost' | 'controlPlaneHosts'>): { needs: HostPkiNeed[]; controlPlaneAddresses: string[] } {
  return {
    needs: [...placed.kindsByHost.entries()].map(([hostId, kinds]) => {
      const host = view.hostById.get(hostId)!;
      return { hostId, hostname: host.hostname, address: hostAddress(host), kinds };
    }),
    controlPlaneAddresses: placed.controlPlaneHosts.map(hostAddress),
  };
}
