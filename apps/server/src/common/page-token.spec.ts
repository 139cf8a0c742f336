import fc from 'fast-check';
import { decodePageToken, encodePageToken } from './page-token';
import { FieldValidationException } from './field-validation.exception';

const ID = '0b6f3a52-6a43-4a8e-9d3c-2f4f6f1f2a10';
const token = (createdAt: unknown, id: unknown = ID) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

describe('page tokens', () => {
  it('round-trips every cursor the list query can write', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), fc.integer({ min: 0, max: 999 }), (date, micros) => {
        const createdAt = `${date.toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
        expect(decodePageToken(encodePageToken({ createdAt, id: ID }))).toEqual({ createdAt, id: ID });
      }),
    );
  });

  it.each([
    '2025-13-45T99:99:99.000000Z',
    '2025-02-30T00:00:00.000000Z',
    '2025-01-01T24:00:00.000000Z',
    '2025-01-01T23:59:60.000000Z',
    '0000-01-01T00:00:00.000000Z',
    '2025-01-01 00:00:00+00',
    '2025-01-01T00:00:00.000000+99:00',
    '2025-01-01T00:00:00Z',
  ])('refuses the cursor time %s as a bad continue field', (createdAt) => {
    expect(() => decodePageToken(token(createdAt))).toThrow(FieldValidationException);
  });

  it('refuses garbage, other shapes and bad ids', () => {
    for (const bad of ['garbage', '', token('2025-01-01T00:00:00.000000Z', 'x'), Buffer.from('{"a":1}').toString('base64url'), token(1, 2)]) {
      expect(() => decodePageToken(bad)).toThrow(FieldValidationException);
    }
  });
});
