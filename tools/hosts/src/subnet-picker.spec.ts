import fc from 'fast-check';
import { addressIn, overlaps, parseCidr, pickSubnet, subnetOctet, usedPrefixes } from './subnet-picker';

const ADDR = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
4: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever
9: crlabcdefbr    inet 10.213.7.1/24 scope global crlabcdefbr\\       valid_lft forever`;
const ROUTES = `default via 192.0.2.1 dev eth0
10.213.9.0/24 dev crl123456br proto kernel scope link src 10.213.9.1
10.0.0.0/8 via 192.0.2.1 dev eth0
local 10.213.11.5 dev lo table local proto kernel scope host src 10.213.11.5
broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1`;

describe('pickSubnet', () => {
  const used = usedPrefixes(ADDR, ROUTES);

  it('never picks a /24 with an address or narrower route in it, nor a claimed one', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999999, noNaN: true }), (r) => {
        const subnet = pickSubnet(used, new Set([42]), () => r)!;
        expect(subnet).toMatch(/^10\.213\.\d+\.0\/24$/);
        expect([7, 9, 11, 42, 0, 255]).not.toContain(subnetOctet(subnet));
      }),
    );
  });

  it('ignores routes wider than the /16 (a 10.0.0.0/8 route does not block it) and the default route', () => {
    expect(pickSubnet(usedPrefixes('', '10.0.0.0/8 dev tun0\ndefault via 1.2.3.4 dev eth0'), new Set(), () => 0)).toBe(
      '10.213.1.0/24',
    );
  });

  it('returns null when the /16 is taken', () => {
    expect(pickSubnet([parseCidr('10.213.0.0/16')], new Set(), () => 0)).toBeNull();
    const all = new Set(Array.from({ length: 256 }, (_, i) => i));
    expect(pickSubnet([], all)).toBeNull();
  });
});

describe('cidr helpers', () => {
  it('overlaps is symmetric and detects containment', () => {
    expect(overlaps(parseCidr('10.213.5.0/24'), parseCidr('10.213.5.9/32'))).toBe(true);
    expect(overlaps(parseCidr('10.213.5.9/32'), parseCidr('10.213.5.0/24'))).toBe(true);
    expect(overlaps(parseCidr('10.213.5.0/24'), parseCidr('10.213.6.0/24'))).toBe(false);
  });

  it('addressIn stays inside the /24', () => {
    expect(addressIn('10.213.5.0/24', 1)).toBe('10.213.5.1');
    expect(addressIn('10.213.5.0/24', 254)).toBe('10.213.5.254');
    expect(() => addressIn('10.213.5.0/24', 255)).toThrow();
  });
});
