import { DEFAULT_KUBERNETES_VERSION, UPSTREAM_FLAGS as DOCUMENTED_FLAGS } from '@corral/kube';
import type { FlagDef, FlagType, FlagValue } from './flag-parser';

/**
 * The flags each stand-in accepts: exactly the names the real binary documents, from the one
 * table in libs/kube (UPSTREAM_FLAGS, generated from each binary's own --help), so a stand-in
 * refuses what upstream refuses ("unknown flag", exit non-zero). The lists below give types and
 * defaults (upstream's) of the flags the stand-ins know; a documented flag missing from them is
 * taken as a string and ignored. The ones a stand-in acts on are marked "used" in the README.
 */

type Extra = { default?: FlagValue; file?: boolean; required?: boolean };
const f = (type: FlagType) => (name: string, extra: Extra = {}): FlagDef => ({ name, type, ...extra });
const str = f('string');
const bool = f('bool');
const int = f('int');
const float = f('float');
const dur = f('duration');
const ip = f('ip');
const slice = f('stringSlice');
const array = f('stringArray');
const map = f('map');
const file = (name: string, extra: Extra = {}) => str(name, { file: true, ...extra });

/** --help and --version: every stand-in's parser has them already (flag-parser GLOBAL_FLAGS) */
export const PARSER_FLAGS = new Set(['help', 'version']);

/** Flags a stand-in takes beyond its binary's: containerd has no -v, but the shared stand-in plumbing reads the log verbosity. */
export const STAND_IN_ONLY_FLAGS: Readonly<Record<string, readonly string[]>> = { containerd: ['v'] };

/** The binary's documented flags (and its STAND_IN_ONLY_FLAGS), typed by `typed` where it names them; other names in `typed` are dropped. */
function documented(binary: string, typed: FlagDef[]): FlagDef[] {
  const names = DOCUMENTED_FLAGS[DEFAULT_KUBERNETES_VERSION][binary];
  if (!names) throw new Error(`no documented flags for ${binary}`);
  const byName = new Map(typed.map((d) => [d.name, d]));
  return [...names, ...(STAND_IN_ONLY_FLAGS[binary] ?? [])].filter((name) => !PARSER_FLAGS.has(name)).map((name) => byName.get(name) ?? str(name));
}

const LOGGING: FlagDef[] = [
  int('v', { default: 0 }),
  str('vmodule'),
  dur('log-flush-frequency', { default: 5000 }),
  str('logging-format', { default: 'text' }),
  str('log-json-info-buffer-size'),
  bool('log-json-split-stream'),
  str('log-text-info-buffer-size'),
  bool('log-text-split-stream'),
];

const METRICS: FlagDef[] = [map('allow-metric-labels'), file('allow-metric-labels-manifest'), slice('disabled-metrics'), str('show-hidden-metrics-for-version')];

const FEATURES: FlagDef[] = [map('feature-gates'), bool('profiling', { default: true }), bool('contention-profiling')];

/** secure serving options shared by every component that serves HTTPS */
const secureServing = (port: number): FlagDef[] => [
  ip('bind-address', { default: '0.0.0.0' }),
  int('secure-port', { default: port }),
  str('cert-dir'),
  file('tls-cert-file'),
  file('tls-private-key-file'),
  slice('tls-cipher-suites'),
  str('tls-min-version'),
  array('tls-sni-cert-key'),
  int('http2-max-streams-per-connection'),
  bool('permit-address-sharing'),
  bool('permit-port-sharing'),
];

const REQUEST_HEADER: FlagDef[] = [
  file('requestheader-client-ca-file'),
  slice('requestheader-allowed-names'),
  slice('requestheader-extra-headers-prefix'),
  slice('requestheader-group-headers'),
  slice('requestheader-username-headers'),
  slice('requestheader-uid-headers'),
];

/** delegated authentication/authorization of kube-scheduler and kube-controller-manager */
const DELEGATED_AUTH: FlagDef[] = [
  file('authentication-kubeconfig'),
  bool('authentication-skip-lookup'),
  dur('authentication-token-webhook-cache-ttl'),
  bool('authentication-tolerate-lookup-failure'),
  file('client-ca-file'),
  ...REQUEST_HEADER,
  slice('authorization-always-allow-paths', { default: ['/healthz', '/readyz', '/livez'] }),
  file('authorization-kubeconfig'),
  dur('authorization-webhook-cache-authorized-ttl'),
  dur('authorization-webhook-cache-unauthorized-ttl'),
];

const CLIENT_CONNECTION: FlagDef[] = [
  file('kubeconfig'),
  str('master'),
  int('kube-api-burst'),
  str('kube-api-content-type'),
  float('kube-api-qps'),
];

const LEADER_ELECTION: FlagDef[] = [
  bool('leader-elect', { default: true }),
  dur('leader-elect-lease-duration'),
  dur('leader-elect-renew-deadline'),
  str('leader-elect-resource-lock'),
  str('leader-elect-resource-name'),
  str('leader-elect-resource-namespace'),
  dur('leader-elect-retry-period'),
];

export const KUBE_APISERVER_FLAGS: FlagDef[] = documented('kube-apiserver', [
  // generic
  ip('advertise-address'),
  bool('aggregator-reject-forwarding-redirect'),
  slice('cloud-provider-gce-l7lb-src-cidrs'),
  slice('cors-allowed-origins'),
  int('default-not-ready-toleration-seconds'),
  int('default-unreachable-toleration-seconds'),
  str('emulated-version'),
  bool('enable-priority-and-fairness'),
  str('external-hostname'),
  float('goaway-chance'),
  dur('livez-grace-period'),
  int('max-mutating-requests-inflight'),
  int('max-requests-inflight'),
  int('min-request-timeout', { default: 1800 }),
  dur('request-timeout'),
  dur('shutdown-delay-duration'),
  bool('shutdown-send-retry-after'),
  dur('shutdown-watch-termination-grace-period'),
  slice('strict-transport-security-directives'),
  // etcd
  int('delete-collection-workers'),
  bool('enable-garbage-collector'),
  file('encryption-provider-config'),
  bool('encryption-provider-config-automatic-reload'),
  file('etcd-cafile'),
  file('etcd-certfile'),
  file('etcd-keyfile'),
  dur('etcd-compaction-interval'),
  dur('etcd-count-metric-poll-period'),
  dur('etcd-db-metric-poll-interval'),
  dur('etcd-healthcheck-timeout', { default: 2000 }),
  str('etcd-prefix', { default: '/registry' }),
  dur('etcd-readycheck-timeout', { default: 2000 }),
  slice('etcd-servers', { required: true }),
  slice('etcd-servers-overrides'),
  int('lease-reuse-duration-seconds'),
  str('storage-backend'),
  str('storage-media-type'),
  bool('watch-cache'),
  slice('watch-cache-sizes'),
  // secure serving
  ...secureServing(6443),
  // auditing
  int('audit-log-batch-buffer-size'),
  int('audit-log-batch-max-size'),
  dur('audit-log-batch-max-wait'),
  int('audit-log-batch-throttle-burst'),
  bool('audit-log-batch-throttle-enable'),
  float('audit-log-batch-throttle-qps'),
  bool('audit-log-compress'),
  str('audit-log-format'),
  int('audit-log-maxage'),
  int('audit-log-maxbackup'),
  int('audit-log-maxsize'),
  str('audit-log-mode'),
  str('audit-log-path'),
  bool('audit-log-truncate-enabled'),
  int('audit-log-truncate-max-batch-size'),
  int('audit-log-truncate-max-event-size'),
  str('audit-log-version'),
  file('audit-policy-file'),
  file('audit-webhook-config-file'),
  dur('audit-webhook-initial-backoff'),
  str('audit-webhook-mode'),
  str('audit-webhook-version'),
  // features
  ...FEATURES,
  str('debug-socket-path'),
  // authentication
  bool('anonymous-auth', { default: true }),
  slice('api-audiences'),
  file('authentication-config'),
  dur('authentication-token-webhook-cache-ttl'),
  file('authentication-token-webhook-config-file'),
  str('authentication-token-webhook-version'),
  file('client-ca-file'),
  bool('enable-bootstrap-token-auth'),
  file('oidc-ca-file'),
  str('oidc-client-id'),
  str('oidc-groups-claim'),
  str('oidc-groups-prefix'),
  str('oidc-issuer-url'),
  map('oidc-required-claim'),
  slice('oidc-signing-algs'),
  str('oidc-username-claim'),
  str('oidc-username-prefix'),
  ...REQUEST_HEADER,
  bool('service-account-extend-token-expiration'),
  array('service-account-issuer', { required: true }),
  str('service-account-jwks-uri'),
  array('service-account-key-file', { file: true }),
  bool('service-account-lookup'),
  dur('service-account-max-token-expiration'),
  file('token-auth-file'),
  // authorization
  file('authorization-config'),
  slice('authorization-mode', { default: ['AlwaysAllow'] }),
  file('authorization-policy-file'),
  dur('authorization-webhook-cache-authorized-ttl'),
  dur('authorization-webhook-cache-unauthorized-ttl'),
  file('authorization-webhook-config-file'),
  str('authorization-webhook-version'),
  // api enablement, egress, admission
  map('runtime-config'),
  file('egress-selector-config-file'),
  file('admission-control-config-file'),
  slice('disable-admission-plugins'),
  slice('enable-admission-plugins'),
  // metrics, logs, traces
  ...METRICS,
  ...LOGGING,
  file('tracing-config-file'),
  // misc
  bool('allow-privileged'),
  int('apiserver-count'),
  bool('enable-aggregator-routing'),
  str('endpoint-reconciler-type'),
  dur('event-ttl'),
  file('kubelet-certificate-authority'),
  file('kubelet-client-certificate'),
  file('kubelet-client-key'),
  slice('kubelet-preferred-address-types'),
  dur('kubelet-timeout'),
  int('kubernetes-service-node-port'),
  int('max-connection-bytes-per-sec'),
  ip('peer-advertise-ip'),
  str('peer-advertise-port'),
  file('peer-ca-file'),
  file('proxy-client-cert-file'),
  file('proxy-client-key-file'),
  file('service-account-signing-key-file', { required: true }),
  str('service-cluster-ip-range'),
  str('service-node-port-range'),
]);

export const KUBE_SCHEDULER_FLAGS: FlagDef[] = documented('kube-scheduler', [
  file('config'),
  str('write-config-to'),
  int('pod-max-in-unschedulable-pods-duration'),
  ...secureServing(10259),
  ...DELEGATED_AUTH,
  ...CLIENT_CONNECTION,
  ...LEADER_ELECTION,
  ...FEATURES,
  ...METRICS,
  ...LOGGING,
]);

export const KUBE_CONTROLLER_MANAGER_FLAGS: FlagDef[] = documented('kube-controller-manager', [
  // generic
  bool('allocate-node-cidrs'),
  str('cidr-allocator-type'),
  file('cloud-config'),
  str('cloud-provider'),
  str('cluster-cidr'),
  str('cluster-name', { default: 'kubernetes' }),
  bool('configure-cloud-routes'),
  dur('controller-start-interval'),
  slice('controllers', { default: ['*'] }),
  str('external-cloud-volume-plugin'),
  dur('min-resync-period'),
  dur('node-monitor-period'),
  dur('route-reconciliation-period'),
  bool('use-service-account-credentials'),
  // certificates and service accounts
  file('cluster-signing-cert-file'),
  file('cluster-signing-key-file'),
  dur('cluster-signing-duration'),
  file('cluster-signing-kube-apiserver-client-cert-file'),
  file('cluster-signing-kube-apiserver-client-key-file'),
  file('cluster-signing-kubelet-client-cert-file'),
  file('cluster-signing-kubelet-client-key-file'),
  file('cluster-signing-kubelet-serving-cert-file'),
  file('cluster-signing-kubelet-serving-key-file'),
  file('cluster-signing-legacy-unknown-cert-file'),
  file('cluster-signing-legacy-unknown-key-file'),
  file('root-ca-file'),
  file('service-account-private-key-file'),
  // networking and node lifecycle
  str('service-cluster-ip-range'),
  int('node-cidr-mask-size'),
  int('node-cidr-mask-size-ipv4'),
  int('node-cidr-mask-size-ipv6'),
  int('large-cluster-size-threshold'),
  dur('node-monitor-grace-period'),
  dur('node-startup-grace-period'),
  float('node-eviction-rate'),
  float('secondary-node-eviction-rate'),
  float('unhealthy-zone-threshold'),
  int('terminated-pod-gc-threshold'),
  // concurrency and periods
  int('concurrent-deployment-syncs'),
  int('concurrent-endpoint-syncs'),
  int('concurrent-gc-syncs'),
  int('concurrent-namespace-syncs'),
  int('concurrent-replicaset-syncs'),
  int('concurrent-service-endpoint-syncs'),
  int('concurrent-service-syncs'),
  int('concurrent-serviceaccount-token-syncs'),
  int('concurrent-statefulset-syncs'),
  int('concurrent-ttl-after-finished-syncs'),
  int('concurrent-job-syncs'),
  int('concurrent-cron-job-syncs'),
  int('concurrent-rc-syncs'),
  int('concurrent-resource-quota-syncs'),
  int('concurrent-daemonset-syncs'),
  int('concurrent-horizontal-pod-autoscaler-syncs'),
  dur('horizontal-pod-autoscaler-sync-period'),
  dur('namespace-sync-period'),
  dur('pvclaimbinder-sync-period'),
  dur('resource-quota-sync-period'),
  dur('attach-detach-reconcile-sync-period'),
  bool('disable-attach-detach-reconcile-sync'),
  bool('enable-garbage-collector'),
  bool('enable-hostpath-provisioner'),
  str('flex-volume-plugin-dir'),
  ...secureServing(10257),
  ...DELEGATED_AUTH,
  ...CLIENT_CONNECTION,
  ...LEADER_ELECTION,
  ...FEATURES,
  ...METRICS,
  ...LOGGING,
]);

export const KUBELET_FLAGS: FlagDef[] = documented('kubelet', [
  ip('address'),
  bool('anonymous-auth'),
  bool('authentication-token-webhook'),
  dur('authentication-token-webhook-cache-ttl'),
  str('authorization-mode'),
  dur('authorization-webhook-cache-authorized-ttl'),
  dur('authorization-webhook-cache-unauthorized-ttl'),
  str('bootstrap-kubeconfig'),
  str('cert-dir'),
  str('cgroup-driver'),
  str('cgroup-root'),
  bool('cgroups-per-qos'),
  file('client-ca-file'),
  file('cloud-config'),
  str('cloud-provider'),
  slice('cluster-dns'),
  str('cluster-domain'),
  file('config'),
  str('config-dir'),
  int('container-log-max-files'),
  str('container-log-max-size'),
  str('container-runtime-endpoint'),
  bool('contention-profiling'),
  bool('cpu-cfs-quota'),
  str('cpu-manager-policy'),
  bool('enable-controller-attach-detach'),
  bool('enable-debugging-handlers'),
  bool('enable-server', { default: true }),
  map('enforce-node-allocatable'),
  int('event-burst'),
  int('event-qps'),
  map('eviction-hard'),
  map('eviction-minimum-reclaim'),
  map('eviction-soft'),
  map('eviction-soft-grace-period'),
  dur('eviction-pressure-transition-period'),
  bool('exit-on-lock-contention'),
  bool('fail-swap-on'),
  map('feature-gates'),
  dur('file-check-frequency'),
  str('hairpin-mode'),
  ip('healthz-bind-address'),
  int('healthz-port'),
  str('hostname-override'),
  dur('http-check-frequency'),
  str('image-credential-provider-bin-dir'),
  str('image-credential-provider-config'),
  int('image-gc-high-threshold'),
  int('image-gc-low-threshold'),
  str('image-service-endpoint'),
  bool('kernel-memcg-notification'),
  int('kube-api-burst'),
  str('kube-api-content-type'),
  int('kube-api-qps'),
  map('kube-reserved'),
  str('kube-reserved-cgroup'),
  str('kubeconfig'),
  str('kubelet-cgroups'),
  bool('local-storage-capacity-isolation'),
  str('lock-file'),
  bool('make-iptables-util-chains'),
  str('manifest-url'),
  int('max-open-files'),
  int('max-pods'),
  int('maximum-dead-containers'),
  slice('node-ip'),
  map('node-labels'),
  int('node-status-max-images'),
  dur('node-status-update-frequency'),
  int('oom-score-adj'),
  str('pod-cidr'),
  str('pod-infra-container-image'),
  str('pod-manifest-path'),
  int('pod-max-pids'),
  int('pods-per-core'),
  int('port'),
  bool('protect-kernel-defaults'),
  str('provider-id'),
  int('read-only-port'),
  bool('register-node', { default: true }),
  bool('register-schedulable'),
  slice('register-with-taints'),
  int('registry-burst'),
  int('registry-qps'),
  str('reserved-cpus'),
  str('resolv-conf'),
  str('root-dir', { default: '/var/lib/kubelet' }),
  bool('rotate-certificates'),
  bool('rotate-server-certificates'),
  bool('runonce'),
  str('runtime-cgroups'),
  dur('runtime-request-timeout'),
  bool('seccomp-default'),
  bool('serialize-image-pulls'),
  dur('streaming-connection-idle-timeout'),
  dur('sync-frequency'),
  str('system-cgroups'),
  map('system-reserved'),
  str('system-reserved-cgroup'),
  file('tls-cert-file'),
  slice('tls-cipher-suites'),
  str('tls-min-version'),
  file('tls-private-key-file'),
  str('topology-manager-policy'),
  str('volume-plugin-dir'),
  dur('volume-stats-agg-period'),
  ...METRICS,
  ...LOGGING,
]);

export const KUBE_PROXY_FLAGS: FlagDef[] = documented('kube-proxy', [
  ip('bind-address', { default: '0.0.0.0' }),
  bool('bind-address-hard-fail'),
  bool('cleanup'),
  str('cluster-cidr'),
  file('config'),
  dur('config-sync-period'),
  int('conntrack-max-per-core'),
  int('conntrack-min'),
  bool('conntrack-tcp-be-liberal'),
  dur('conntrack-tcp-timeout-close-wait'),
  dur('conntrack-tcp-timeout-established'),
  dur('conntrack-udp-timeout'),
  dur('conntrack-udp-timeout-stream'),
  str('detect-local-mode'),
  map('feature-gates'),
  str('healthz-bind-address', { default: '0.0.0.0:10256' }),
  str('hostname-override'),
  bool('init-only'),
  bool('iptables-localhost-nodeports'),
  int('iptables-masquerade-bit'),
  dur('iptables-min-sync-period'),
  dur('iptables-sync-period'),
  slice('ipvs-exclude-cidrs'),
  dur('ipvs-min-sync-period'),
  str('ipvs-scheduler'),
  bool('ipvs-strict-arp'),
  dur('ipvs-sync-period'),
  dur('ipvs-tcp-timeout'),
  dur('ipvs-tcpfin-timeout'),
  dur('ipvs-udp-timeout'),
  int('kube-api-burst'),
  str('kube-api-content-type'),
  float('kube-api-qps'),
  file('kubeconfig'),
  bool('masquerade-all'),
  str('master'),
  str('metrics-bind-address', { default: '127.0.0.1:10249' }),
  slice('nodeport-addresses'),
  int('oom-score-adj'),
  str('pod-bridge-interface'),
  str('pod-interface-name-prefix'),
  bool('profiling'),
  str('proxy-mode'),
  str('write-config-to'),
  ...METRICS,
  ...LOGGING,
]);

/** containerd 2.x global options (urfave/cli: --flag value or --flag=value) */
export const CONTAINERD_FLAGS: FlagDef[] = documented('containerd', [
  file('config', { default: '/etc/containerd/config.toml' }),
  str('log-level'),
  str('address'),
  str('root'),
  str('state'),
  // not containerd's: the shared stand-in plumbing reads the log verbosity
  int('v', { default: 0 }),
]);

/** Corral's own pod network daemon (apps/pod-network) */
export const POD_NETWORK_FLAGS: FlagDef[] = [
  str('cluster-cidr'),
  str('node-cidr'),
  array('route'),
  ip('bind-address', { default: '0.0.0.0' }),
  int('healthz-port', { default: 10258 }),
  dur('resync-period', { default: 5000 }),
  int('v', { default: 0 }),
];

export const UPSTREAM_FLAGS = {
  'kube-apiserver': KUBE_APISERVER_FLAGS,
  'kube-scheduler': KUBE_SCHEDULER_FLAGS,
  'kube-controller-manager': KUBE_CONTROLLER_MANAGER_FLAGS,
  kubelet: KUBELET_FLAGS,
  'kube-proxy': KUBE_PROXY_FLAGS,
  containerd: CONTAINERD_FLAGS,
} as const;

/** Corral's CoreDNS wrapper (tools/cluster-dns/bin/corral-coredns) and the coredns flag it passes on */
export const CORRAL_COREDNS_FLAGS: FlagDef[] = [str('link-local'), str('cleanup'), file('conf'), int('v', { default: 0 })];
