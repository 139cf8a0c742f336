import fc from 'fast-check';
import { BBOLT_META_BYTES, bboltFileStart, bboltHeaderProblem, fnv1a64 } from './bbolt-header';

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64(Buffer.from(''))).toBe(0xcbf29ce484222325n);
    expect(fnv1a64(Buffer.from('a'))).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64(Buffer.from('foobar'))).toBe(0x85944171f73967e8n);
  });
});

describe('bboltHeaderProblem', () => {
  it('accepts the start of a bbolt file, whatever follows and whatever its page size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(512, 4096, 16384, 65536), (tail, pageSize) => bboltHeaderProblem(bboltFileStart(tail, pageSize)) === null),
    );
    // only the first meta page at hand: enough when it is intact
    expect(bboltHeaderProblem(bboltFileStart().subarray(0, BBOLT_META_BYTES))).toBeNull();
  });

  it('refuses bytes that are not a bbolt file', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 10_000 }), (bytes) => bboltHeaderProblem(bytes) !== null));
    expect(bboltHeaderProblem(Buffer.alloc(10))).toMatch(/fewer than a bbolt meta page/);
    expect(bboltHeaderProblem(Buffer.alloc(8192))).toMatch(/does not start like a bbolt database \(magic 0x00000000/);
  });

  it('opens with either meta page intact, as bbolt does, and refuses when both are damaged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32, max: 79 }), fc.integer({ min: 32, max: 79 }), fc.integer({ min: 1, max: 255 }), (at0, at1, flip) => {
        const one = bboltFileStart();
        one[at0] ^= flip; // meta 0 damaged past its magic, version and page size: meta 1 carries it
        expect(bboltHeaderProblem(one)).toBeNull();
        one[4096 + at1] ^= flip;
        expect(bboltHeaderProblem(one)).toBe('its bbolt meta pages fail their checksums');
        return true;
      }),
    );
  });

  it('names a wrong version, a page that is no meta page and a bad page size', () => {
    const version = Buffer.from(bboltFileStart());
    version.writeUInt32LE(1, 20);
    expect(bboltHeaderProblem(version)).toBe('its bbolt format version is 1, not 2');
    const flags = Buffer.from(bboltFileStart());
    flags.writeUInt16LE(0x10, 8);
    expect(bboltHeaderProblem(flags)).toBe('its first page is not a bbolt meta page');
    const size = Buffer.from(bboltFileStart());
    size.writeUInt32LE(3000, 24);
    expect(bboltHeaderProblem(size)).toMatch(/page size 3000 is not a power of two/);
  });
});
