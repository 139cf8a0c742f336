import { Injectable, Logger } from '@nestjs/common';
import type { Placement, PlacementPlan } from '@corral/domain';
import { EventsService } from '../../events/events.service';
import { EnvironmentPkiService } from '../environment-pki.service';
import { EtcdClient, type EtcdClusterMember, EtcdUnavailableError, urlHost } from '@corral/kube';
import { replanFromEtcd, UNKNOWN_MEMBER_PREFIX } from '../phases/etcd-membership.phase';

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export interface MembershipHost {
  id: string;
  hostname: string;
  address: string;
  state: string;
}

export interface MembershipInput {
  environmentId: string;
  plan: PlacementPlan;
  /** desired placement as last written */
  current: Placement[];
  hosts: readonly MembershipHost[];
  /** plans again from another view of the current placement */
  replan(current: Placement[]): PlacementPlan;
}

export interface MembershipOutcome {
  plan: PlacementPlan;
  /** etcd's member list after this step, when it was read */
  members: EtcdClusterMember[] | null;
  /** why the plan's membership step could not be taken (EtcdReady says so) */
  problem: { reason: string; message: string } | null;
}

export { UNKNOWN_MEMBER_PREFIX };

/**
 * Takes the plan's one etcd membership step through etcd's members API. The member list in
 * etcd is the truth: before a change, the placement's etcd members are compared with it and
 * the plan is made again from what etcd says (so a crash between a member API call and the
 * write of the desired state is repaired, not repeated). Removal happens before the stop of
 * the member; the new member is added before its etcd starts with
 * initial-cluster-state=existing. etcd itself refuses a change that would lose quorum
 * (strict reconfiguration check); such a refusal is reported, not retried blindly.
 */
@Injectable()
export class EtcdMembershipService {
  private readonly logger = new Logger(EtcdMembershipService.name);

  constructor(
    private readonly pki: EnvironmentPkiService,
    private readonly events: EventsService,
  ) {}

  /** A client for the environment's etcd through the members on active hosts (null without PKI or such members). */
  async client(environmentId: string, memberAddresses: readonly string[]): Promise<EtcdClient | null> {
    const tls = await this.pki.etcdTls(environmentId);
    if (!tls || memberAddresses.length === 0) return null;
    return new EtcdClient(memberAddresses.map((a) => `https://${a}:${ETCD_CLIENT_PORT}`), tls);
  }

  async step(input: MembershipInput): Promise<MembershipOutcome> {
    const action = input.plan.etcd.action;
    if (action !== 'add' && action !== 'remove') return { plan: input.plan, members: null, problem: null };
    const { environmentId, hosts } = input;
    const hostById = new Map(hosts.map((h) => [h.id, h]));
    const currentMembers = input.current.filter((p) => p.kind === 'etcd').map((p) => p.hostId);
    const reachable = currentMembers.map((id) => hostById.get(id)).filter((h): h is MembershipHost => !!h && h.state === 'active');
    const client = await this.client(environmentId, reachable.map((h) => h.address));
    if (!client) return this.blocked(input, 'EtcdUnreachable', 'no etcd member on an active host to ask for the member list');

    let members: EtcdClusterMember[];
    try {
      members = await client.memberList();
    } catch (err) {
      return this.blocked(input, 'EtcdUnreachable', `cannot read the etcd member list: ${(err as Error).message}`);
    }

    const fromEtcd = replanFromEtcd(input, members);
    if (fromEtcd.differs) this.logger.log({ environmentId, placed: currentMembers, etcd: fromEtcd.truth }, 'etcd member list differs from the placement: planning from etcd');
    const { plan, current } = fromEtcd;
    try {
      members = await this.change(client, { ...input, plan }, members, hostById);
    } catch (err) {
      const unavailable = err instanceof EtcdUnavailableError;
      await this.events.record({
        environmentId,
        component: 'etcd',
        type: 'Warning',
        reason: 'EtcdMembershipChangeFailed',
        message: `${plan.etcd.message}: etcd refused or did not answer: ${(err as Error).message}`,
      });
      return this.blocked({ ...input, plan, current }, unavailable ? 'EtcdUnreachable' : 'MembershipChangeRefused', `${plan.etcd.message} failed: ${(err as Error).message}`);
    }
    return { plan, members, problem: null };
  }

  /** Takes the plan's add or remove through etcd's members API unless etcd already did; returns etcd's list after it. */
  private async change(client: EtcdClient, input: MembershipInput, members: EtcdClusterMember[], hostById: ReadonlyMap<string, MembershipHost>): Promise<EtcdClusterMember[]> {
    const { environmentId } = input;
    const decision = input.plan.etcd;
    if (decision.action === 'remove') {
      const member = this.memberOf(members, decision.hostId, hostById);
      if (!member) return members;
      const left = await client.memberRemove(member.id);
      await this.events.record({
        environmentId,
        hostId: hostById.has(decision.hostId) ? decision.hostId : null,
        component: 'etcd',
        type: 'Warning',
        reason: 'EtcdMemberRemoved',
        message: `etcd member ${member.name || member.id} (${member.peerUrls.join(', ')}) removed from the cluster: ${decision.message}; ${left.length} member(s) left`,
      });
      return left;
    }
    if (decision.action !== 'add') return members;
    const host = hostById.get(decision.hostId)!;
    if (this.memberOf(members, host.id, hostById)) return members;
    const peerUrl = `https://${host.address}:${ETCD_PEER_PORT}`;
    const added = await client.memberAdd(peerUrl);
    await this.events.record({
      environmentId,
      hostId: host.id,
      component: 'etcd',
      reason: 'EtcdMemberAdded',
      message: `etcd member ${added.member.id} added for ${host.hostname} (${peerUrl}); it joins with initial-cluster-state=existing: ${decision.message}`,
    });
    return added.members.length ? added.members : [...members, added.member];
  }

  /** The member whose peer URL is on that host (or the unknown member that pseudo id names). */
  memberOf(members: readonly EtcdClusterMember[], hostId: string, hostById: ReadonlyMap<string, MembershipHost>): EtcdClusterMember | undefined {
    if (hostId.startsWith(UNKNOWN_MEMBER_PREFIX)) return members.find((m) => m.id === hostId.slice(UNKNOWN_MEMBER_PREFIX.length));
    const address = hostById.get(hostId)?.address;
    return members.find((m) => m.peerUrls.some((u) => urlHost(u) === address));
  }

  /** Keeps the current etcd members: the membership step waits for the next reconcile. */
  private blocked(input: MembershipInput, reason: string, message: string): MembershipOutcome {
    this.logger.warn({ environmentId: input.environmentId }, message);
    const plan = input.plan;
    const placement = [...plan.placement.filter((p) => p.kind !== 'etcd'), ...input.current.filter((p) => p.kind === 'etcd')];
    return { plan: { ...plan, placement }, members: null, problem: { reason, message } };
  }
}
