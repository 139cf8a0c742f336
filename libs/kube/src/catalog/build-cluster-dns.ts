import type { ComponentSpec } from '@corral/contracts';
import type { HostComponentsInput } from './catalog-input';
import { componentKubeconfigFile } from './component-kubeconfig';
import { PORTS } from './component-ports';
import { dependsOn, inComponentDir, probe, publicFile, requirePki, toArgs } from './spec-parts';

/**
 * The per-host cluster DNS address every kubelet on a host with cluster-dns hands its pods
 * (as NodeLocal DNSCache's default). It lives on the host's loopback device, in the host's
 * network namespace; pods reach it through their default route via the host.
 */
export const CLUSTER_DNS_LINK_LOCAL = '169.254.20.10';

/** where names outside the cluster go when no upstreams are configured: the host's resolver */
const HOST_RESOLVER = '/etc/resolv.conf';

/**
 * CoreDNS with its `kubernetes` plugin, on every worker: the cluster zone (and reverse zones)
 * straight from the plugin's watch (no cache plugin, so a recreated pod's new address is
 * answered as soon as its EndpointSlice changes), everything else forwarded and cached. It
 * answers on the link-local address (the kubelet's clusterDNS) and on the host's own address,
 * which the kube-dns Service's EndpointSlice lists. `corral-coredns` puts the link-local address
 * in place, then runs `coredns` (tools/cluster-dns/bin/corral-coredns).
 */
export function buildClusterDns(input: HostComponentsInput): ComponentSpec {
  const { host, environment } = input;
  const pki = requirePki(input.pki['cluster-dns'], 'cluster-dns', host.hostname);
  const upstreams = input.options?.dns?.upstreams?.length ? input.options.dns.upstreams.join(' ') : HOST_RESOLVER;
  const domain = environment.networking.clusterDomain;
  const bind = `bind ${CLUSTER_DNS_LINK_LOCAL} \${address}`;
  const corefile = [
    `${domain}:${PORTS.dns} in-addr.arpa:${PORTS.dns} ip6.arpa:${PORTS.dns} {`,
    `    ${bind}`,
    '    errors',
    `    health \${address}:${PORTS.dnsHealth}`,
    `    ready \${address}:${PORTS.dnsReady}`,
    `    kubernetes ${domain} in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${inComponentDir('kubeconfig')}`,
    '        pods verified',
    '        fallthrough in-addr.arpa ip6.arpa',
    '    }',
    `    forward . ${upstreams}`,
    '}',
    `.:${PORTS.dns} {`,
    `    ${bind}`,
    '    errors',
    '    cache 30',
    `    forward . ${upstreams}`,
    '}',
    '',
  ].join('\n');
  return {
    name: 'cluster-dns',
    kind: 'cluster-dns',
    binary: 'corral-coredns',
    args: toArgs({ 'link-local': CLUSTER_DNS_LINK_LOCAL, conf: inComponentDir('Corefile') }),
    files: [{ ...publicFile('Corefile', corefile), expandContent: true }, componentKubeconfigFile(input, 'cluster-dns', pki.client)],
    ports: [PORTS.dns, PORTS.dnsHealth, PORTS.dnsReady],
    probe: probe(input, { type: 'http', port: PORTS.dnsHealth, path: '/health' }),
    ...dependsOn(input, 'kube-apiserver'),
    stopGracePeriodSeconds: 10,
    teardown: [{ when: 'after-stop', command: ['${binDir}/corral-coredns', `--cleanup=${CLUSTER_DNS_LINK_LOCAL}`], timeoutSeconds: 10 }],
  };
}
