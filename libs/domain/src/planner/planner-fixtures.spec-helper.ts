import fc from 'fast-check';
import { COMPONENT_KINDS, HOST_ROLES, type ComponentKind, type HostRole } from '@corral/contracts';
import type { HostState } from '../lifecycle/host-state';
import type { EnvironmentPlanSpec, Placement, PlannerHost } from './planner-types';

export function host(id: string, state: HostState = 'active', roles: HostRole[] = []): PlannerHost {
  return { id, hostname: `host-${id}`, address: `10.0.0.${id.replace(/\D/g, '') || 1}`, roles, state };
}

export const kindsOn = (placement: readonly Placement[], hostId: string) =>
  placement.filter((p) => p.hostId === hostId).map((p) => p.kind).sort();
export const hostsOf = (placement: readonly Placement[], kind: ComponentKind) =>
  placement.filter((p) => p.kind === kind).map((p) => p.hostId).sort();

const ids = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];
const roles = fc.subarray([...HOST_ROLES]);
const state = fc.constantFrom<HostState>('active', 'active', 'active', 'active', 'disconnected', 'lost', 'removed');

export const hostsArb: fc.Arbitrary<PlannerHost[]> = fc
  .subarray(ids, { minLength: 0 })
  .chain((chosen) => fc.tuple(...chosen.map((id) => fc.tuple(state, roles).map(([s, r]) => host(id, s, r)))))
  .map((hs) => [...hs]);

export const specArb: fc.Arbitrary<EnvironmentPlanSpec> = fc.record({
  etcdMembers: fc.constantFrom(1 as const, 3 as const, 5 as const),
  ingressReplicas: fc.nat(3),
});

/** Arbitrary current placements, including hosts that are not in the host list. */
export const currentArb: fc.Arbitrary<Placement[]> = fc.array(
  fc.record({ hostId: fc.constantFrom(...ids, 'gone-1'), kind: fc.constantFrom(...COMPONENT_KINDS) }),
  { maxLength: 25 },
);
