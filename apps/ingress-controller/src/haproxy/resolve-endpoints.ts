import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { Endpoint } from './server-slots';

/**
 * The ready endpoints behind an Ingress backend `port` (Service port number or name): the
 * Service port it names, then that port's name in the Service's EndpointSlices, whose ports
 * carry the pods' target port. Terminating and unready endpoints are left out, so traffic goes
 * straight to pods that can answer.
 */
export function resolveEndpoints(service: V1Service | undefined, slices: readonly V1EndpointSlice[], port: number | string): Endpoint[] {
  const servicePort = service?.spec?.ports?.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
  if (!servicePort) return [];
  const portName = servicePort.name ?? '';
  const out = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const slicePort = slice.ports?.find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (!slicePort?.port) continue;
    for (const e of slice.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const address of e.addresses) out.set(`${address}:${slicePort.port}`, { address, port: slicePort.port });
    }
  }
  return [...out.values()].sort((a, b) => (`${a.address}:${a.port}` < `${b.address}:${b.port}` ? -1 : 1));
}
