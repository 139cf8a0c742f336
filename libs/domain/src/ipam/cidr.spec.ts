import fc from 'fast-check';
import { cidrContains, cidrsOverlap, firstServiceIp, formatIpv4, nthIp, parseCidr, parseIpv4, validateCidr } from './cidr';

describe('CIDR helpers', () => {
  it('parses and formats', () => {
    expect(parseCidr('10.42.0.0/16')).toEqual({ network: 10 * 2 ** 24 + 42 * 2 ** 16, prefix: 16, cidr: '10.42.0.0/16' });
    expect(parseCidr('0.0.0.0/0').cidr).toBe('0.0.0.0/0');
    expect(parseCidr('255.255.255.255/32').cidr).toBe('255.255.255.255/32');
  });

  it.each([
    ['10.42.0.0', 'missing "/prefix"'],
    ['10.42.0.0/33', 'prefix length must be 0-32'],
    ['10.42.0.0/-1', 'prefix length'],
    ['10.42.0/16', 'four numbers'],
    ['10.42.0.256/16', 'four numbers'],
    ['10.042.0.0/16', 'four numbers'],
    ['10.42.1.0/16', 'did you mean 10.42.0.0/16?'],
  ])('rejects %j', (text, why) => {
    expect(() => parseCidr(text)).toThrow(why);
    expect(validateCidr(text)).toContain(why);
  });

  it('finds the service and DNS addresses', () => {
    expect(firstServiceIp('10.43.0.0/16')).toBe('10.43.0.1');
    expect(nthIp('10.43.0.0/16', 10)).toBe('10.43.0.10');
    expect(() => nthIp('10.43.0.0/30', 4)).toThrow('outside');
    expect(() => firstServiceIp('10.43.0.0/31')).toThrow('too small');
  });

  it('answers containment and overlap', () => {
    expect(cidrContains('10.43.0.0/16', '10.43.255.255')).toBe(true);
    expect(cidrContains('10.43.0.0/16', '10.44.0.0')).toBe(false);
    expect(cidrsOverlap('10.42.0.0/16', '10.43.0.0/16')).toBe(false);
    expect(cidrsOverlap('10.0.0.0/8', '10.43.0.0/16')).toBe(true);
  });

  it('round-trips every address and canonical block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }), (n, prefix) => {
        expect(parseIpv4(formatIpv4(n))).toBe(n);
        const network = n - (n % 2 ** (32 - prefix));
        const cidr = `${formatIpv4(network)}/${prefix}`;
        expect(parseCidr(cidr).cidr).toBe(cidr);
        expect(cidrContains(cidr, formatIpv4(n))).toBe(true);
        expect(cidrsOverlap(cidr, `${formatIpv4(n)}/32`)).toBe(true);
      }),
    );
  });
});
