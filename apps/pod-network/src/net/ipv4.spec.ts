import fc from 'fast-check';
import { AddressError, cidrContains, cidrHasAddress, cidrsOverlap, formatIpv4, maskOf, parseCidr, parseIpv4 } from './ipv4';

const address = fc.integer({ min: 0, max: 0xffffffff });
const prefix = fc.integer({ min: 0, max: 32 });
const cidr = fc.tuple(address, prefix).map(([a, p]) => parseCidr(`${formatIpv4((a & maskOf(p)) >>> 0)}/${p}`));

describe('parseIpv4 / formatIpv4', () => {
  it('round-trips every address', () => {
    fc.assert(fc.property(address, (a) => parseIpv4(formatIpv4(a)) === a));
  });

  it('rejects what is not a plain dotted quad', () => {
    for (const bad of ['', '10.0.0', '10.0.0.0.1', '10.0.0.256', '010.0.0.1', '10.0.0.-1', '10.0.0.1 ', 'a.b.c.d', '::1']) {
      expect(parseIpv4(bad)).toBeNull();
    }
  });
});

describe('parseCidr', () => {
  it('accepts canonical blocks and returns their text unchanged', () => {
    expect(parseCidr('10.42.0.0/16')).toEqual({ network: 0x0a2a0000, prefix: 16, text: '10.42.0.0/16' });
    expect(parseCidr('0.0.0.0/0').text).toBe('0.0.0.0/0');
    expect(parseCidr('10.42.1.7/32').text).toBe('10.42.1.7/32');
    fc.assert(fc.property(cidr, (c) => parseCidr(c.text).text === c.text));
  });

  it('names the block when host bits are set', () => {
    expect(() => parseCidr('10.42.1.5/24')).toThrow(new AddressError('10.42.1.5/24 has host bits set (the block is 10.42.1.0/24)'));
  });

  it('rejects malformed text', () => {
    for (const bad of ['10.42.0.0', '10.42.0.0/33', '10.42.0.0/', '10.42.0.0/08', '10.42.0/16', 'fd00::/64', '10.42.0.0/16/1']) {
      expect(() => parseCidr(bad)).toThrow(AddressError);
    }
  });
});

describe('cidrContains / cidrsOverlap / cidrHasAddress', () => {
  it('examples', () => {
    const cluster = parseCidr('10.42.0.0/16');
    expect(cidrContains(cluster, parseCidr('10.42.1.0/24'))).toBe(true);
    expect(cidrContains(cluster, parseCidr('10.43.1.0/24'))).toBe(false);
    expect(cidrContains(parseCidr('10.42.1.0/24'), cluster)).toBe(false);
    expect(cidrsOverlap(parseCidr('10.42.1.0/24'), cluster)).toBe(true);
    expect(cidrsOverlap(parseCidr('10.42.1.0/24'), parseCidr('10.42.2.0/24'))).toBe(false);
    expect(cidrHasAddress(cluster, parseIpv4('10.42.255.255')!)).toBe(true);
    expect(cidrHasAddress(cluster, parseIpv4('10.43.0.0')!)).toBe(false);
  });

  it('containment agrees with the address ranges', () => {
    const range = (c: { network: number; prefix: number }) => [c.network, c.network + 2 ** (32 - c.prefix) - 1];
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        const [a0, a1] = range(a);
        const [b0, b1] = range(b);
        expect(cidrContains(a, b)).toBe(a0 <= b0 && b1 <= a1);
        expect(cidrsOverlap(a, b)).toBe(a0 <= b1 && b0 <= a1);
        expect(cidrHasAddress(a, b.network)).toBe(a0 <= b.network && b.network <= a1);
      }),
    );
  });
});
