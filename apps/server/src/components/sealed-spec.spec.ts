import fc from 'fast-check';
import type { ComponentSpec } from '@corral/contracts';
import { specHash } from '@corral/kube';
import { SecretBox, environmentContext } from '../crypto/secret-box';
import { isSecretFile, openSpec, rewrapSpec, sealSpec, specNeedsRewrap } from './sealed-spec';

const OLD = new SecretBox('o'.repeat(32));
const RING = new SecretBox(['n'.repeat(32), 'o'.repeat(32)]);
const CONTEXT = environmentContext('6f1d5a2e-4c1b-4f7e-9a7e-2d9a1c0b3e11');

const file = fc.record({
  path: fc.stringMatching(/^[a-z]{1,8}\.(key|crt|conf)$/),
  content: fc.string({ maxLength: 80 }).map((s) => `-----BEGIN PRIVATE KEY-----${s}`),
  mode: fc.constantFrom(0o600, 0o640, 0o644, 0o400, 0o755),
});
const spec = fc.record({ files: fc.array(file, { maxLength: 6 }) }).map(
  ({ files }): ComponentSpec => ({ name: 'etcd', kind: 'etcd', binary: 'etcd', args: ['--name=a'], files, ports: [2379] }) as ComponentSpec,
);

describe('sealed component specs', () => {
  it('seal then open gives the spec back, with the same hash', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const opened = openSpec(sealSpec(s, RING, CONTEXT), RING, CONTEXT);
        expect(opened).toEqual(s);
        return specHash(opened) === specHash(s);
      }),
    );
  });

  it('keeps no secret file in plain text, and leaves files others may read as they are', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const sealed = sealSpec(s, RING, CONTEXT);
        sealed.files.forEach((f, i) => {
          if (isSecretFile(s.files[i])) expect(f.content).not.toContain('PRIVATE KEY');
          else expect(f).toEqual(s.files[i]);
        });
        // sealing what is sealed changes nothing
        expect(sealSpec(sealed, RING, CONTEXT)).toEqual(sealed);
        return true;
      }),
    );
  });

  it('does not open under another environment', () => {
    const s = { name: 'x', kind: 'etcd', binary: 'etcd', args: [], files: [{ path: 'a.key', content: 'k', mode: 0o600 }], ports: [] } as unknown as ComponentSpec;
    expect(() => openSpec(sealSpec(s, RING, CONTEXT), RING, environmentContext('00000000-0000-4000-8000-000000000000'))).toThrow();
  });

  it('says a spec needs a rewrap while a secret file is plain or under an older key, and rewraps it', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const secret = s.files.some(isSecretFile);
        expect(specNeedsRewrap(s, RING)).toBe(secret);
        const underOld = sealSpec(s, OLD, CONTEXT);
        expect(specNeedsRewrap(underOld, RING)).toBe(secret);
        const rewrapped = rewrapSpec(underOld, RING, CONTEXT);
        expect(specNeedsRewrap(rewrapped, RING)).toBe(false);
        return specHash(openSpec(rewrapped, RING, CONTEXT)) === specHash(s);
      }),
    );
  });
});
