import type { ComponentSpec, InitStep } from '@corral/contracts';
import type { EtcdRestoreSource, HostComponentsInput } from './catalog-input';
import { PORTS } from './component-ports';
import { certificateFiles, httpsUrl, inComponentDir, probe, publicFile, requirePki, toArgs } from './spec-parts';

/**
 * One etcd member (etcd 3.4 flags, valid on 3.5 too): mutual TLS for clients and peers, all
 * sockets on the host's own address. Other members are named by their registered address;
 * this member describes itself with ${address} so its advertised and listen URLs always agree.
 */
export function buildEtcd(input: HostComponentsInput): ComponentSpec {
  const { host, environment, etcd } = input;
  const pki = requirePki(input.pki.etcd, 'etcd', host.hostname);
  const self = etcd.members.find((member) => member.address === host.address);
  if (!self) throw new Error(`etcd on ${host.hostname}: ${host.address} is not among the etcd members`);

  const clientUrl = httpsUrl('${address}', PORTS.etcdClient);
  const peerUrl = httpsUrl('${address}', PORTS.etcdPeer);
  const initialCluster = [...etcd.members]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((member) => `${member.name}=${member === self ? peerUrl : httpsUrl(member.address, PORTS.etcdPeer)}`)
    .join(',');

  const dataDir = etcd.dataDir ?? '${dataDir}';
  const clusterToken = etcd.clusterToken ?? `corral-${environment.id}`;
  return {
    name: 'etcd',
    kind: 'etcd',
    binary: 'etcd',
    args: toArgs({
      name: self.name,
      'data-dir': dataDir,
      'listen-client-urls': clientUrl,
      'advertise-client-urls': clientUrl,
      'listen-peer-urls': peerUrl,
      'initial-advertise-peer-urls': peerUrl,
      'initial-cluster': initialCluster,
      'initial-cluster-state': etcd.initialClusterState,
      'initial-cluster-token': clusterToken,
      'client-cert-auth': true,
      'trusted-ca-file': inComponentDir('ca.crt'),
      'cert-file': inComponentDir('server.crt'),
      'key-file': inComponentDir('server.key'),
      'peer-client-cert-auth': true,
      'peer-trusted-ca-file': inComponentDir('ca.crt'),
      'peer-cert-file': inComponentDir('peer.crt'),
      'peer-key-file': inComponentDir('peer.key'),
      'snapshot-count': 10000,
      logger: 'zap',
      'log-outputs': 'stderr',
    }),
    files: [
      publicFile('ca.crt', input.cas.etcdCa.certPem),
      ...certificateFiles('server', pki.server),
      ...certificateFiles('peer', pki.peer),
      ...certificateFiles('healthcheck-client', pki.healthcheckClient),
    ],
    ports: [PORTS.etcdClient, PORTS.etcdPeer],
    probe: probe(input, {
      type: 'https',
      port: PORTS.etcdClient,
      path: '/health',
      caFile: inComponentDir('ca.crt'),
      certFile: inComponentDir('healthcheck-client.crt'),
      keyFile: inComponentDir('healthcheck-client.key'),
    }),
    stopGracePeriodSeconds: 15,
    ...(etcd.restoreFrom ? { init: [restoreStep(etcd.restoreFrom, { name: self.name, initialCluster, clusterToken, peerUrl, dataDir })] } : {}),
  };
}

const ETCD_RESTORE_STEP = 'restore-snapshot';
const SNAPSHOT_FILE = 'restore/snapshot.db';

/** The agent's path for downloading a snapshot the server keeps (with the host's credential). */
const etcdSnapshotDownloadUrl = (snapshotId: string): string => `/v1/agent/etcd-snapshots/${snapshotId}/data`;
const SNAPSHOT_DOWNLOAD_URL = /^\/v1\/agent\/etcd-snapshots\/([^/]+)\/data$/;

/** The snapshot a member's spec restores from (the inverse of its restore step), if any. */
export function readEtcdRestoreSource(spec: ComponentSpec): EtcdRestoreSource | undefined {
  const download = spec.init?.find((step) => step.name === ETCD_RESTORE_STEP)?.downloads?.[0];
  const snapshotId = download && SNAPSHOT_DOWNLOAD_URL.exec(download.url)?.[1];
  return download && snapshotId ? { snapshotId, sha256: download.sha256 } : undefined;
}

/**
 * `etcdutl snapshot restore` into the member's data dir, as etcd's disaster-recovery guide does
 * it: keys, revisions and leases come back as they were, so watchers and resourceVersions stay
 * consistent. Each founding member restores the same snapshot under its own name.
 */
function restoreStep(
  source: EtcdRestoreSource,
  member: { name: string; initialCluster: string; clusterToken: string; peerUrl: string; dataDir: string },
): InitStep {
  return {
    name: ETCD_RESTORE_STEP,
    binary: 'etcdutl',
    args: [
      'snapshot',
      'restore',
      inComponentDir(SNAPSHOT_FILE),
      ...toArgs({
        name: member.name,
        'data-dir': member.dataDir,
        'initial-cluster': member.initialCluster,
        'initial-cluster-token': member.clusterToken,
        'initial-advertise-peer-urls': member.peerUrl,
        // the server keeps the bare database (etcd's own SHA-256 trailer is checked and cut when
        // the snapshot is taken); the agent checks the download against the server's SHA-256
        'skip-hash-check': true,
      }),
    ],
    downloads: [{ url: etcdSnapshotDownloadUrl(source.snapshotId), sha256: source.sha256, path: SNAPSHOT_FILE }],
    output: member.dataDir,
  };
}
