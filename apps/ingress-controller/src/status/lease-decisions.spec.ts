import type { V1Ingress, V1Lease } from '@kubernetes/client-node';
import fc from 'fast-check';
import { ingressStatusAddresses, INSTANCE_LEASE_PREFIX, leaderAction, liveInstanceAddresses, statusDiffers } from './lease-decisions';

const lease = (name: string, holder: string | undefined, renewedMs: number, seconds = 10): V1Lease => ({
  metadata: { name },
  spec: { holderIdentity: holder, leaseDurationSeconds: seconds, renewTime: new Date(renewedMs) },
});

describe('liveInstanceAddresses', () => {
  it('lists the holders of instance Leases renewed within their duration, once each, sorted', () => {
    const now = 100_000;
    const leases = [lease(`${INSTANCE_LEASE_PREFIX}b`, '10.0.0.2', now - 1_000), lease(`${INSTANCE_LEASE_PREFIX}a`, '10.0.0.1', now - 5_000), lease(`${INSTANCE_LEASE_PREFIX}c`, '10.0.0.3', now - 11_000), lease('other', '10.0.0.9', now)];
    expect(liveInstanceAddresses(leases, now)).toEqual(['10.0.0.1', '10.0.0.2']);
  });

  it('never lists an expired Lease, whatever the times', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.nat(1_000_000), fc.integer({ min: 1, max: 60 }), (renewed, now, seconds) => {
        const live = liveInstanceAddresses([lease(`${INSTANCE_LEASE_PREFIX}x`, '10.0.0.1', renewed, seconds)], now);
        expect(live.length === 1).toBe(renewed + seconds * 1000 > now);
      }),
    );
  });
});

describe('leaderAction', () => {
  it('creates an absent Lease, renews its own, takes an expired one and follows a live holder', () => {
    expect(leaderAction(undefined, 'a', 0)).toBe('create');
    expect(leaderAction(lease('l', 'a', 0), 'a', 50_000)).toBe('take');
    expect(leaderAction(lease('l', 'b', 0), 'a', 50_000)).toBe('take');
    expect(leaderAction(lease('l', 'b', 45_000), 'a', 50_000)).toBe('follow');
  });
});

describe('statusDiffers', () => {
  it('compares the addresses as a set', () => {
    const ingress = { status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { ip: '10.0.0.1' }] } } };
    expect(statusDiffers(ingress, ['10.0.0.1', '10.0.0.2'])).toBe(false);
    expect(statusDiffers(ingress, ['10.0.0.1'])).toBe(true);
    expect(statusDiffers({}, [])).toBe(false);
  });
});

describe('ingressStatusAddresses', () => {
  const live = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];
  const ing = (scale?: string, uid = 'u1'): V1Ingress => ({ metadata: { name: 'web', namespace: 'shop', uid, annotations: scale === undefined ? {} : { 'corral.dev/scale': scale } } });

  it('lists corral.dev/scale live instances (1 without it or when invalid, all live when more), sorted', () => {
    expect(ingressStatusAddresses(ing(), live)).toHaveLength(1);
    expect(ingressStatusAddresses(ing('abc'), live)).toHaveLength(1);
    const two = ingressStatusAddresses(ing('2'), live);
    expect(two).toHaveLength(2);
    expect(two).toEqual([...two].sort());
    expect(ingressStatusAddresses(ing('9'), live)).toEqual(live);
    expect(ingressStatusAddresses(ing('2'), [])).toEqual([]);
  });

  it('only ever lists live instances', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.integer({ min: 1, max: 5 }), fc.uniqueArray(fc.ipV4(), { maxLength: 5 }), (uid, scale, addresses) => {
        const listed = ingressStatusAddresses(ing(String(scale), uid), addresses);
        expect(listed).toHaveLength(Math.min(scale, addresses.length));
        for (const a of listed) expect(addresses).toContain(a);
      }),
    );
  });
});
