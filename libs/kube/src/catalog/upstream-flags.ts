import type { KubernetesVersion } from './kubernetes-versions';
import { GENERATED_UPSTREAM_FLAGS } from './upstream-flags.generated';

/**
 * Corral's own ingress controller has no Kubernetes upstream: this is the interface
 * tools/ and the real binary implement, named after ingress-nginx's flags where one exists.
 */
const CORRAL_INGRESS_CONTROLLER = ['kubeconfig', 'bind-address', 'http-port', 'https-port', 'healthz-port', 'ingress-class', 'haproxy', 'run-dir', 'v'];

/** binary name (or "binary subcommand") -> the flag names its --help documents */
/** Corral's pod network daemon (apps/pod-network) */
const CORRAL_POD_NETWORK = ['cluster-cidr', 'node-cidr', 'route', 'bind-address', 'healthz-port', 'resync-period', 'v'];

/** Corral's wrapper around CoreDNS (tools/cluster-dns/bin/corral-coredns): its own flag, then coredns' -conf */
const CORRAL_COREDNS = ['link-local', 'cleanup', 'conf'];

export type UpstreamFlags = Readonly<Record<string, ReadonlySet<string>>>;

const flagsOf = (generated: Readonly<Record<string, readonly string[]>>): UpstreamFlags => ({
  ...Object.fromEntries(Object.entries(generated).map(([binary, names]) => [binary, new Set(names)])),
  // the restore init step runs `etcdutl snapshot restore`
  etcdutl: new Set(generated['etcdutl snapshot restore']),
  'corral-ingress-controller': new Set(CORRAL_INGRESS_CONTROLLER),
  'corral-pod-network': new Set(CORRAL_POD_NETWORK),
  'corral-coredns': new Set(CORRAL_COREDNS),
});

/**
 * Per Kubernetes version, per binary: the flag names the real binaries document, generated from
 * their own --help by tools/kube-build/generate-flags.sh (upstream-flags.generated.ts), never
 * typed by hand. The catalog spec checks every flag the catalog emits against these lists.
 */
export const UPSTREAM_FLAGS: Readonly<Record<KubernetesVersion, UpstreamFlags>> = {
  'v1.36': flagsOf(GENERATED_UPSTREAM_FLAGS),
};
