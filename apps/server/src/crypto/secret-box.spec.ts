import fc from 'fast-check';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('k'.repeat(32));

  it('opens what it sealed, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => box.open(box.seal(text)) === text));
  });

  it('never shows the plaintext and uses a fresh nonce each time', () => {
    const a = box.seal('-----BEGIN PRIVATE KEY-----');
    const b = box.seal('-----BEGIN PRIVATE KEY-----');
    expect(a).not.toContain('PRIVATE');
    expect(a).not.toEqual(b);
  });

  it('refuses a sealed value under another key or tampered with', () => {
    const sealed = box.seal('secret');
    expect(() => new SecretBox('x'.repeat(32)).open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
});
