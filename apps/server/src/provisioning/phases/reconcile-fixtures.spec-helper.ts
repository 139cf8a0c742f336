import type { ComponentSpec } from '@corral/contracts';
import { specHash } from '@corral/kube';
import { indexView, type ReconcileEnvironment, type ReconcileHost, type ReconcileView, type ReportedStatus, type WrittenComponent } from './reconcile-view';

/** Test-only state for the reconcile phases: plain objects, no database, no agents. */
export function env(overrides: Partial<ReconcileEnvironment> = {}): ReconcileEnvironment {
  return {
    id: 'env-1',
    name: 'dev',
    kubernetesVersion: 'v1.36',
    networking: { clusterCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/16', clusterDomain: 'cluster.local', dnsServiceIp: '10.43.0.10' },
    etcdMembers: 1,
    state: 'provisioning',
    conditions: [],
    hostPool: null,
    hostCount: null,
    ...overrides,
  };
}

export function host(n: number, overrides: Partial<ReconcileHost> = {}): ReconcileHost {
  return { id: `h${n}`, hostname: `node-${n}`, addresses: [`10.0.0.${n}`], roles: [], state: 'active', labels: {}, pool: null, ...overrides };
}

export function spec(name: string, args: string[] = [], kind = name): ComponentSpec {
  return { name, kind, binary: kind, args, files: [], ports: [] };
}

export function written(hostId: string, s: ComponentSpec): WrittenComponent {
  return { hostId, name: s.name, kind: s.kind, spec: s, specHash: specHash(s) };
}

/** A report of the component running healthy on the given spec (or on what `overrides` say). */
export function report(hostId: string, s: ComponentSpec, overrides: Partial<ReportedStatus> = {}): ReportedStatus {
  return { hostId, name: s.name, specHash: specHash(s), phase: 'running', healthy: true, ...overrides };
}

export function view(hosts: ReconcileHost[], components: WrittenComponent[] = [], statuses: ReportedStatus[] = []): ReconcileView {
  return indexView(hosts, components, statuses);
}
