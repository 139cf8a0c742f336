import type { CatalogOptions } from '@corral/kube';
import type { CorralConfig } from '../config/corral-config';

/** What the server's settings change in every component spec it builds. */
export function catalogOptions(config: CorralConfig): CatalogOptions {
  return {
    probes: { intervalSeconds: config.probeIntervalSeconds, failureThreshold: config.probeFailureThreshold },
    ...(config.dnsUpstreams.length ? { dns: { upstreams: config.dnsUpstreams } } : {}),
  };
}
