import { type ComponentSpec, probeCommandProblem, teardownCommandProblem } from '@corral/contracts';
import { parse } from 'yaml';
import { buildFixture, fixtureEnvironment, type Fixture } from '../testing/environment-fixture';
import { buildComponent, buildHostComponents } from './build-host-components';
import type { HostComponentsInput } from './catalog-input';
import { SUPPORTED_KUBERNETES_VERSIONS } from './kubernetes-versions';
import { UPSTREAM_FLAGS } from './upstream-flags';
import { readNodeCidr } from './build-pod-network';

const FLAG = /^--([a-z0-9][a-z0-9-]*)=(.*)$/s;
/** flags a binary takes more than once */
const REPEATABLE = new Set(['route']);

function flags(spec: ComponentSpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of spec.args) {
    const match = FLAG.exec(arg);
    if (!match) throw new Error(`${spec.name}: argument ${arg} is not --flag=value`);
    if (!REPEATABLE.has(match[1]!)) expect(out.has(match[1]!)).toBe(false);
    out.set(match[1]!, match[2]!);
  }
  return out;
}
function flag(spec: ComponentSpec, name: string): string {
  const value = flags(spec).get(name);
  if (value === undefined) throw new Error(`${spec.name} has no --${name}`);
  return value;
}
function byName(specs: ComponentSpec[], name: string): ComponentSpec {
  const spec = specs.find((s) => s.name === name);
  if (!spec) throw new Error(`no ${name} in ${specs.map((s) => s.name).join(',')}`);
  return spec;
}
function file(spec: ComponentSpec, path: string): string {
  const found = spec.files.find((f) => f.path === path);
  if (!found) throw new Error(`${spec.name} writes no ${path}`);
  return found.content;
}

describe('component catalog', () => {
  let fixture: Fixture;
  const specsOf = (input: HostComponentsInput) => buildHostComponents(input);

  beforeAll(async () => {
    fixture = await buildFixture();
  });

  describe.each(SUPPORTED_KUBERNETES_VERSIONS)('%s', (version) => {
    it('emits only flags upstream documents for the binary, each once as --flag=value', () => {
      let checked = 0;
      for (const input of fixture.inputs) {
        const versioned = { ...input, environment: { ...input.environment, kubernetesVersion: version } };
        for (const spec of specsOf(versioned)) {
          const known = UPSTREAM_FLAGS[version][spec.binary];
          expect(known).toBeDefined();
          for (const name of flags(spec).keys()) {
            if (!known!.has(name)) throw new Error(`${version} ${spec.binary}: --${name} is not an upstream flag`);
            checked++;
          }
          // an exec probe's ctr flags (containerd's: corral-cri-check passes them to `ctr ... plugins ls`)
          const ctr = spec.probe?.command?.[0] === 'corral-cri-check' ? spec.probe.command.slice(1).join(' ') : undefined;
          if (ctr) {
            for (const arg of ctr.split(/\s+/).filter((a) => a.startsWith('--'))) {
              if (!UPSTREAM_FLAGS[version].ctr!.has(arg.slice(2))) throw new Error(`${version} ctr: ${arg} is not an upstream flag`);
              checked++;
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
  });

  it('names upstream binaries and places components in start order', () => {
    const [cp, , , worker] = fixture.inputs;
    expect(specsOf(cp!).map((s) => [s.name, s.binary])).toEqual([
      ['etcd', 'etcd'],
      ['kube-apiserver', 'kube-apiserver'],
      ['kube-scheduler', 'kube-scheduler'],
      ['kube-controller-manager', 'kube-controller-manager'],
      ['containerd', 'containerd'],
      ['pod-network', 'corral-pod-network'],
      ['kubelet', 'kubelet'],
      ['kube-proxy', 'kube-proxy'],
      ['cluster-dns', 'corral-coredns'],
    ]);
    expect(specsOf(worker!).map((s) => s.binary)).toEqual(['corral-ingress-controller', 'containerd', 'corral-pod-network', 'kubelet', 'kube-proxy', 'corral-coredns']);
  });

  it('binds every component to the host address, never to a wildcard or loopback', () => {
    for (const input of fixture.inputs) {
      for (const spec of specsOf(input)) {
        // containerd's CRI streaming server stays on loopback (upstream default): only the kubelet on the same host calls it
        // and the pod network's default route (0.0.0.0/0) is a route inside pods, not a bind address
        const text = JSON.stringify(spec).replace('stream_server_address = \\"127.0.0.1\\"', '').replace('\\"dst\\": \\"0.0.0.0/0\\"', '');
        expect(text).not.toContain('0.0.0.0');
        expect(text).not.toContain('127.0.0.1');
        expect(text).not.toMatch(/\[::\]/);
      }
      const specs = specsOf(input);
      if (input.kinds.includes('etcd')) {
        const etcd = byName(specs, 'etcd');
        expect(flag(etcd, 'listen-client-urls')).toBe('https://${address}:2379');
        expect(flag(etcd, 'listen-peer-urls')).toBe('https://${address}:2380');
        expect(byName(specs, 'kube-apiserver').args).toEqual(
          expect.arrayContaining(['--bind-address=${address}', '--advertise-address=${address}']),
        );
        expect(flag(byName(specs, 'kube-scheduler'), 'bind-address')).toBe('${address}');
        expect(flag(byName(specs, 'kube-controller-manager'), 'bind-address')).toBe('${address}');
      }
      const kubeletConfig = parse(file(byName(specs, 'kubelet'), 'config.yaml'));
      expect(kubeletConfig).toMatchObject({
        kind: 'KubeletConfiguration',
        address: input.host.address,
        healthzBindAddress: input.host.address,
        port: 10250,
        healthzPort: 10248,
        readOnlyPort: 0,
      });
      const proxy = byName(specs, 'kube-proxy');
      expect(flag(proxy, 'healthz-bind-address')).toBe('${address}:10256');
      expect(flag(proxy, 'metrics-bind-address')).toBe('${address}:10249');
    }
  });

  it('writes every file an argument or probe names into the component directory', () => {
    for (const input of fixture.inputs) {
      for (const spec of specsOf(input)) {
        const written = new Set(spec.files.map((f) => f.path));
        const referenced = [...JSON.stringify({ args: spec.args, probe: spec.probe }).matchAll(/\$\{componentDir\}\/([\w.-]+)/g)];
        if (spec.files.length > 0) expect(referenced.length).toBeGreaterThan(0);
        for (const [, path] of referenced) expect(written).toContain(path);
        for (const f of spec.files) {
          expect(f.path).not.toMatch(/^\/|\.\./);
          expect(f.mode).toBe(/\.key$|kubeconfig/.test(f.path) ? 0o600 : 0o644);
        }
      }
    }
  });

  it('resolves the kubelet config certificate paths to files the spec writes', () => {
    const kubelet = byName(specsOf(fixture.inputs[3]!), 'kubelet');
    const config = parse(file(kubelet, 'config.yaml'));
    for (const path of [config.authentication.x509.clientCAFile, config.tlsCertFile, config.tlsPrivateKeyFile]) {
      expect(kubelet.files.map((f) => f.path)).toContain(path);
    }
    // the host's own CoreDNS; without one, the kube-dns Service
    expect(config.clusterDNS).toEqual(['169.254.20.10']);
    const noDns = { ...fixture.inputs[3]!, kinds: fixture.inputs[3]!.kinds.filter((k) => k !== 'cluster-dns') };
    expect(parse(file(buildComponent('kubelet', noDns), 'config.yaml')).clusterDNS).toEqual(['10.43.0.10']);
    expect(config.clusterDomain).toBe('cluster.local');
  });

  it('builds one etcd cluster: every member names the same peers, with its own data dir and token', () => {
    const etcds = fixture.inputs.filter((i) => i.kinds.includes('etcd')).map((i) => byName(specsOf(i), 'etcd'));
    expect(etcds).toHaveLength(3);
    const expanded = etcds.map((etcd, index) =>
      flag(etcd, 'initial-cluster').replace('${address}', fixture.inputs[index]!.host.address),
    );
    expect(new Set(expanded).size).toBe(1);
    expect(expanded[0]).toBe('cp-a=https://127.0.0.2:2380,cp-b=https://127.0.0.3:2380,cp-c=https://127.0.0.4:2380');
    for (const etcd of etcds) {
      expect(flag(etcd, 'data-dir')).toBe('${dataDir}');
      expect(flag(etcd, 'initial-cluster-state')).toBe('new');
      expect(flag(etcd, 'initial-cluster-token')).toBe('corral-env-0001');
      expect(flag(etcd, 'client-cert-auth')).toBe('true');
      expect(flag(etcd, 'peer-client-cert-auth')).toBe('true');
      expect(etcd.ports).toEqual([2379, 2380]);
      expect(etcd.probe).toMatchObject({ type: 'https', port: 2379, path: '/health' });
    }
    expect(etcds.map((e) => flag(e, 'name'))).toEqual(['cp-a', 'cp-b', 'cp-c']);
  });

  it('restores a founding member from a snapshot with etcdutl before etcd first starts, with the same cluster flags', () => {
    const input = fixture.inputs.find((i) => i.kinds.includes('etcd'))!;
    const restoreFrom = { snapshotId: 'snap-1', sha256: 'ab'.repeat(32) };
    const plain = byName(specsOf(input), 'etcd');
    expect(plain.init).toBeUndefined();
    const etcd = byName(specsOf({ ...input, etcd: { ...input.etcd, dataDir: '${dataDir}/restore-2', clusterToken: 'corral-env-0001-g2', restoreFrom } }), 'etcd');
    const [step, ...more] = etcd.init!;
    expect(more).toEqual([]);
    expect(step).toMatchObject({ name: 'restore-snapshot', binary: 'etcdutl', output: '${dataDir}/restore-2' });
    expect(step!.args.slice(0, 3)).toEqual(['snapshot', 'restore', '${componentDir}/restore/snapshot.db']);
    expect(step!.downloads).toEqual([{ url: '/v1/agent/etcd-snapshots/snap-1/data', sha256: restoreFrom.sha256, path: 'restore/snapshot.db' }]);
    const restoreFlags = flags({ ...step!, name: 'restore', kind: 'etcd', files: [], ports: [], args: step!.args.slice(3) });
    for (const name of restoreFlags.keys()) expect(UPSTREAM_FLAGS['v1.36'][step!.binary]!.has(name)).toBe(true);
    // the member's own flags and the restore agree, or etcd would refuse the restored data dir
    for (const name of ['name', 'data-dir', 'initial-cluster', 'initial-cluster-token', 'initial-advertise-peer-urls']) {
      expect(restoreFlags.get(name)).toBe(flag(etcd, name));
    }
  });

  it('points the apiserver at the etcd member on its own host (a stacked control plane)', () => {
    const apiserver = byName(specsOf(fixture.inputs[1]!), 'kube-apiserver');
    expect(flag(apiserver, 'etcd-servers')).toBe('https://127.0.0.3:2379');
    expect(flag(apiserver, 'service-cluster-ip-range')).toBe('10.43.0.0/16');
    expect(flag(apiserver, 'service-account-issuer')).toBe('https://kubernetes.default.svc.cluster.local');
    expect(apiserver.probe).toMatchObject({ type: 'https', port: 6443, path: '/readyz' });
  });

  it('orders start-up with dependsOn on the same host only', () => {
    const cp = specsOf(fixture.inputs[0]!);
    expect(byName(cp, 'etcd').dependsOn).toBeUndefined();
    expect(byName(cp, 'kube-apiserver').dependsOn).toEqual(['etcd']);
    for (const name of ['kube-scheduler', 'kube-controller-manager', 'kube-proxy']) {
      expect(byName(cp, name).dependsOn).toEqual(['kube-apiserver']);
    }
    expect(byName(cp, 'containerd').dependsOn).toBeUndefined();
    expect(byName(cp, 'kubelet').dependsOn).toEqual(['kube-apiserver', 'containerd']);
    const worker = specsOf(fixture.inputs[3]!);
    expect(byName(worker, 'kubelet').dependsOn).toEqual(['containerd']);
    for (const spec of worker.filter((s) => s.name !== 'kubelet')) expect(spec.dependsOn).toBeUndefined();
  });

  it('uses the expected ports and probes', () => {
    const cp = specsOf(fixture.inputs[0]!);
    const worker = specsOf(fixture.inputs[3]!);
    const table = [...cp, byName(worker, 'ingress-controller')].map((s) => [
      s.name,
      s.ports,
      s.probe?.type,
      s.probe?.port,
      s.probe?.path,
    ]);
    expect(table).toEqual([
      ['etcd', [2379, 2380], 'https', 2379, '/health'],
      ['kube-apiserver', [6443], 'https', 6443, '/readyz'],
      ['kube-scheduler', [10259], 'https', 10259, '/healthz'],
      ['kube-controller-manager', [10257], 'https', 10257, '/healthz'],
      ['containerd', [], 'exec', undefined, undefined],
      ['pod-network', [10258], 'http', 10258, '/healthz'],
      ['kubelet', [10250, 10248], 'http', 10248, '/healthz'],
      ['kube-proxy', [10256, 10249], 'http', 10256, '/healthz'],
      ['cluster-dns', [53, 8080, 8181], 'http', 8080, '/health'],
      ['ingress-controller', [80, 443, 10254], 'http', 10254, '/healthz'],
    ]);
    for (const spec of [...cp, ...worker]) {
      expect(spec.probe).toMatchObject({ intervalSeconds: 2, timeoutSeconds: 2, failureThreshold: spec.name === 'kube-apiserver' ? 6 : 3 });
    }
  });

  it('takes the probe timing from the options, for every component', () => {
    const options = { probes: { intervalSeconds: 5, failureThreshold: 6 } };
    const specs = fixture.inputs.flatMap((input) => specsOf({ ...input, options }));
    expect(specs.length).toBeGreaterThan(10);
    for (const spec of specs) expect(spec.probe).toMatchObject({ intervalSeconds: 5, failureThreshold: spec.name === 'kube-apiserver' ? 12 : 6 });
  });

  it('connects control-plane clients to the local apiserver and spreads workers over all of them', () => {
    const serverOf = (spec: ComponentSpec) => parse(file(spec, 'kubeconfig')).clusters[0].cluster.server as string;
    const cp = specsOf(fixture.inputs[2]!);
    for (const name of ['kube-scheduler', 'kube-controller-manager', 'kubelet', 'kube-proxy']) {
      expect(serverOf(byName(cp, name))).toBe('https://127.0.0.4:6443');
    }
    const endpoints = fixture.inputs[0]!.apiServerEndpoints;
    const chosen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const worker = { ...fixture.inputs[3]!, host: { ...fixture.inputs[3]!.host, id: `worker-${i}` } };
      const kubelet = byName(specsOf(worker), 'kubelet');
      const server = serverOf(kubelet);
      expect(endpoints).toContain(server);
      expect(serverOf(byName(specsOf(worker), 'kube-proxy'))).toBe(server);
      chosen.add(server);
    }
    expect(chosen.size).toBe(3);
  });

  it('keeps a worker on its apiserver when another apiserver is removed', () => {
    const serverOf = (input: HostComponentsInput) =>
      parse(file(buildComponent('kubelet', input), 'kubeconfig')).clusters[0].cluster.server as string;
    for (let i = 0; i < 30; i++) {
      const worker = { ...fixture.inputs[3]!, host: { ...fixture.inputs[3]!.host, id: `w-${i}` } };
      const before = serverOf(worker);
      const others = worker.apiServerEndpoints.filter((e) => e !== before);
      const after = serverOf({ ...worker, apiServerEndpoints: [before, others[0]!] });
      expect(after).toBe(before);
    }
  });

  it('names the node after the host and identifies the kubelet as that node', () => {
    const input = fixture.inputs[4]!;
    const kubelet = byName(specsOf(input), 'kubelet');
    expect(flag(kubelet, 'hostname-override')).toBe('worker-e');
    expect(flag(kubelet, 'node-ip')).toBe('127.0.0.6');
    expect(flag(kubelet, 'root-dir')).toBe('${dataDir}');
    expect(flag(byName(specsOf(input), 'kube-proxy'), 'hostname-override')).toBe('worker-e');
  });

  it('meets the agent\'s spec rules: exec probes and teardown steps from --bin-dir', () => {
    const withTeardown = new Set<string>();
    for (const input of fixture.inputs) {
      for (const spec of specsOf(input)) {
        if (spec.probe?.type === 'exec') expect([spec.name, probeCommandProblem(spec.probe.command)]).toEqual([spec.name, null]);
        for (const step of spec.teardown ?? []) {
          expect([spec.name, teardownCommandProblem(step.command)]).toEqual([spec.name, null]);
          withTeardown.add(spec.kind);
        }
      }
    }
    expect([...withTeardown].sort()).toEqual(expect.arrayContaining(['containerd', 'kube-proxy', 'kubelet']));
  });

  it('trusts the CA bundle it is given everywhere the cluster CA is trusted, and signs with the signing CA alone', () => {
    const other = '-----BEGIN CERTIFICATE-----\nMIIother\n-----END CERTIFICATE-----\n';
    const bundle = `${fixture.cas.clusterCa.certPem}${other}`;
    const specs = fixture.inputs.flatMap((input) => specsOf({ ...input, clusterCaBundlePem: bundle }));
    const plain = fixture.inputs.flatMap((input) => specsOf(input));
    let trusted = 0;
    for (const spec of specs) {
      for (const f of spec.files) {
        if (f.path === 'ca.crt' && spec.name !== 'etcd') {
          expect(f.content).toBe(bundle);
          trusted++;
        }
        if (f.path === 'kubeconfig') {
          const kubeconfig = parse(f.content);
          expect(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(bundle);
          trusted++;
        }
      }
    }
    // apiserver, scheduler, controller-manager and kubelet ca.crt; every component kubeconfig
    expect(trusted).toBeGreaterThan(10);
    const cm = specs.find((s) => s.name === 'kube-controller-manager')!;
    expect(flag(cm, 'cluster-signing-cert-file')).toBe('${componentDir}/signing-ca.crt');
    expect(file(cm, 'signing-ca.crt')).toBe(fixture.cas.clusterCa.certPem);
    expect(flag(cm, 'root-ca-file')).toBe('${componentDir}/ca.crt');
    const api = specs.find((s) => s.name === 'kube-apiserver')!;
    for (const name of ['client-ca-file', 'kubelet-certificate-authority']) expect(flag(api, name)).toBe('${componentDir}/ca.crt');
    // etcd keeps its own CA; without a bundle the cluster CA alone is trusted
    expect(file(specs.find((s) => s.name === 'etcd')!, 'ca.crt')).toBe(fixture.cas.etcdCa.certPem);
    for (const spec of plain) for (const f of spec.files) if (f.path === 'ca.crt' && spec.name !== 'etcd') expect(f.content).toBe(fixture.cas.clusterCa.certPem);
  });

  it('is deterministic for the same input', () => {
    for (const input of fixture.inputs) expect(specsOf(input)).toEqual(specsOf(structuredClone(input)));
  });

  it('fails clearly on missing certificates, a host outside the etcd cluster or an unsupported version', () => {
    const cp = fixture.inputs[0]!;
    expect(() => buildComponent('kube-apiserver', { ...cp, pki: {} })).toThrow(/no certificates/);
    expect(() => buildComponent('etcd', { ...cp, etcd: { ...cp.etcd, members: cp.etcd.members.slice(1) } })).toThrow(
      /not among the etcd members/,
    );
    expect(() => buildHostComponents({ ...cp, environment: fixtureEnvironment('v1.29') })).toThrow(/not supported/);
    expect(() => buildComponent('kubelet', { ...fixture.inputs[3]!, apiServerEndpoints: [] })).toThrow(/no kube-apiserver endpoint/);
  });

  it('runs the kubelet on cgroup v1 with cgroupfs against the host\'s own containerd', () => {
    const specs = specsOf(fixture.inputs[3]!);
    const kubelet = byName(specs, 'kubelet');
    const containerd = byName(specs, 'containerd');
    const config = parse(file(kubelet, 'config.yaml'));
    expect(config).toMatchObject({ failCgroupV1: false, cgroupDriver: 'cgroupfs', podLogsDir: '${dataDir}/pod-logs' });
    expect(kubelet.files.find((f) => f.path === 'config.yaml')?.expandContent).toBe(true);
    // the kubelet's ${dataDir} is data/kubelet, containerd's is data/containerd: both name one socket
    const resolve = (path: string, component: string) => path.replace('${dataDir}', `/state/data/${component}`).replace(/\/[^/]+\/\.\./, '');
    const socket = resolve(config.containerRuntimeEndpoint.replace('unix://', ''), 'kubelet');
    const toml = file(containerd, 'config.toml');
    expect(resolve(/\[grpc\]\s+address = "([^"]+)"/.exec(toml)![1]!, 'containerd')).toBe(socket);
    expect(socket).toBe('/state/data/containerd/containerd.sock');
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('restrict_oom_score_adj = true');
    expect(toml).toContain('netns_mounts_under_state_dir = true');
    // the cleanup is Corral's helper in --bin-dir (bin/corral-teardown), aimed at this containerd's socket
    expect(containerd.teardown).toEqual([
      { when: 'before-stop', command: ['${binDir}/corral-teardown', 'containers', '--address', '${dataDir}/containerd.sock'], timeoutSeconds: 60 },
      { when: 'after-stop', command: ['${binDir}/corral-teardown', 'pod-network', '--address', '${dataDir}/containerd.sock'], timeoutSeconds: 30 },
    ]);
    expect(resolve(containerd.teardown![0]!.command[3]!, 'containerd')).toBe(socket);
    expect(kubelet.teardown).toEqual([{ when: 'after-stop', command: ['${binDir}/corral-teardown', 'kubelet-chains'], timeoutSeconds: 30 }]);
    const proxyTeardown = byName(specs, 'kube-proxy').teardown!;
    expect(proxyTeardown).toEqual([{ when: 'after-stop', command: ['${binDir}/kube-proxy', '--cleanup'], timeoutSeconds: 30 }]);
    expect(UPSTREAM_FLAGS['v1.36']['kube-proxy']!.has('cleanup')).toBe(true);
    expect(toml).toContain('sandbox = "corral.local/pause:3.10"');
    expect(toml).toContain('conf_dir = "${componentDir}/cni"');
    expect(JSON.parse(file(containerd, 'cni/10-corral.conflist')).plugins[0]).toMatchObject({ type: 'bridge', hairpinMode: true, ipMasq: false, ipam: { ranges: [[{ subnet: '10.42.3.0/24' }]] } });
    expect(flag(byName(specsOf(fixture.inputs[0]!), 'kube-controller-manager'), 'allocate-node-cidrs')).toBe('false');
    expect(file(kubelet, 'config.yaml')).not.toContain('pod-infra-container-image');
  });

  it('routes a worker\'s pod network to every other worker\'s pod CIDR, and reads its CIDR back', () => {
    const podNetwork = byName(specsOf(fixture.inputs[3]!), 'pod-network');
    expect(flag(podNetwork, 'node-cidr')).toBe('10.42.3.0/24');
    expect(flag(podNetwork, 'cluster-cidr')).toBe('10.42.0.0/16');
    expect(podNetwork.args.filter((a) => a.startsWith('--route='))).toEqual([
      '--route=10.42.0.0/24=127.0.0.2',
      '--route=10.42.1.0/24=127.0.0.3',
      '--route=10.42.2.0/24=127.0.0.4',
      '--route=10.42.4.0/24=127.0.0.6',
    ]);
    expect(readNodeCidr(podNetwork)).toBe('10.42.3.0/24');
    expect(() => buildComponent('containerd', { ...fixture.inputs[3]!, podNetwork: undefined })).toThrow(/no pod CIDR/);
  });

  it('runs CoreDNS on the link-local address and the host address, with the cluster zone uncached and the rest forwarded', () => {
    const dns = byName(specsOf(fixture.inputs[3]!), 'cluster-dns');
    expect(dns.args).toEqual(['--conf=${componentDir}/Corefile', '--link-local=169.254.20.10']);
    const corefile = file(dns, 'Corefile');
    expect(dns.files.find((f) => f.path === 'Corefile')!.expandContent).toBe(true);
    const [cluster, rest] = corefile.split(/^\.:53 \{$/m);
    expect(cluster).toMatch(/^cluster\.local:53 in-addr\.arpa:53 ip6\.arpa:53 \{$/m);
    expect(cluster).toContain('    bind 169.254.20.10 ${address}\n');
    expect(cluster).toMatch(/kubernetes cluster\.local in-addr\.arpa ip6\.arpa \{\n\s+kubeconfig \$\{componentDir\}\/kubeconfig\n\s+pods verified\n/);
    expect(cluster).toContain('health ${address}:8080');
    expect(cluster).toContain('ready ${address}:8181');
    expect(cluster).not.toContain('cache');
    expect(rest).toContain('bind 169.254.20.10 ${address}');
    expect(rest).toContain('cache 30');
    expect(rest).toContain('forward . /etc/resolv.conf');
    expect(parse(file(dns, 'kubeconfig')).users[0].name).toBe('cluster-dns@ci');
    expect(dns.teardown).toEqual([{ when: 'after-stop', command: ['${binDir}/corral-coredns', '--cleanup=169.254.20.10'], timeoutSeconds: 10 }]);
    const upstreams = buildComponent('cluster-dns', { ...fixture.inputs[3]!, options: { dns: { upstreams: ['10.0.0.53', '10.0.0.54:5353'] } } });
    expect(file(upstreams, 'Corefile').match(/forward \. .*/g)).toEqual(['forward . 10.0.0.53 10.0.0.54:5353', 'forward . 10.0.0.53 10.0.0.54:5353']);
  });

  it('takes ingress ports and the container runtime from options', () => {
    const worker = { ...fixture.inputs[3]!, options: { ingress: { httpPort: 8080, httpsPort: 8443 }, kubelet: { containerRuntimeEndpoint: 'unix:///run/crio/crio.sock' } } };
    const ingress = buildComponent('ingress-controller', worker);
    expect(ingress.ports).toEqual([8080, 8443, 10254]);
    expect(ingress.args).toEqual(expect.arrayContaining(['--http-port=8080', '--https-port=8443', '--bind-address=${address}']));
    expect(parse(file(buildComponent('kubelet', worker), 'config.yaml')).containerRuntimeEndpoint).toBe('unix:///run/crio/crio.sock');
  });
});
