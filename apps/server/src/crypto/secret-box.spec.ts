import fc from 'fast-check';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { SecretBox, UnknownKeyError, environmentContext, ringKey } from './secret-box';

/** A value sealed as the first Corral versions did (one key, `v1.`, no key id, no context). */
function sealV1(secret: string, plaintext: string): string {
  const key = createHash('sha256').update(secret, 'utf8').digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(40);
const keyText = fc.string({ minLength: 32, maxLength: 64 });
const text = fc.string({ unit: 'grapheme', maxLength: 200 });
const context = fc.oneof(fc.constant(''), fc.uuid().map(environmentContext));

describe('SecretBox', () => {
  const box = new SecretBox([NEW, OLD]);

  it('opens what it sealed under any key ring and context, naming the newest key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyText, { minLength: 1, maxLength: 4 }), text, context, (keys, plaintext, ctx) => {
        const ring = new SecretBox(keys);
        const sealed = ring.seal(plaintext, ctx);
        return ring.open(sealed, ctx) === plaintext && SecretBox.keyIdOf(sealed) === ringKey(keys[0]).id && !ring.needsRewrap(sealed);
      }),
    );
  });

  it('refuses a value opened under another context (the environment id is authenticated data)', () => {
    fc.assert(
      fc.property(text, fc.uuid(), fc.uuid(), (plaintext, a, b) => {
        fc.pre(a !== b);
        const sealed = box.seal(plaintext, environmentContext(a));
        expect(() => box.open(sealed, environmentContext(b))).toThrow();
        expect(() => box.open(sealed)).toThrow();
        return true;
      }),
    );
  });

  it('refuses a value whose key id was changed, or whose key is not in the ring', () => {
    fc.assert(
      fc.property(text, (plaintext) => {
        const sealed = box.seal(plaintext);
        // relabelled with the other ring key's id: that key (and the id in the AAD) do not match
        const relabelled = sealed.replace(`v2.${ringKey(NEW).id}.`, `v2.${ringKey(OLD).id}.`);
        expect(() => box.open(relabelled)).toThrow();
        expect(() => new SecretBox(OLD).open(sealed)).toThrow(UnknownKeyError);
        return true;
      }),
    );
  });

  it('opens values sealed under an older key and in the first format, and says they need a rewrap', () => {
    fc.assert(
      fc.property(text, (plaintext) => {
        const underOld = new SecretBox(OLD).seal(plaintext, 'c');
        const v1 = sealV1(OLD, plaintext);
        return box.open(underOld, 'c') === plaintext && box.open(v1) === plaintext && box.needsRewrap(underOld) && box.needsRewrap(v1) && SecretBox.keyIdOf(v1) === 'v1';
      }),
    );
    expect(() => new SecretBox(NEW).open(sealV1(OLD, 'x'))).toThrow(UnknownKeyError);
  });

  it('never shows the plaintext, uses a fresh nonce each time, and refuses tampering', () => {
    const a = box.seal('-----BEGIN PRIVATE KEY-----');
    const b = box.seal('-----BEGIN PRIVATE KEY-----');
    expect(a).not.toContain('PRIVATE');
    expect(a).not.toEqual(b);
    const parts = a.split('.');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => box.open(parts.join('.'))).toThrow();
    expect(() => box.open('v3.whatever')).toThrow(/unknown format/);
  });

  it('refuses a ring holding one key twice', () => {
    expect(() => new SecretBox([OLD, OLD])).toThrow(/same key twice/);
  });
});
