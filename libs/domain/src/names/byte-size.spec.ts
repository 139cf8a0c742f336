import fc from 'fast-check';
import { formatBytes, parseByteSize } from './byte-size';

describe('byte sizes', () => {
  it.each([
    ['512Mi', 512 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['100M', 100e6],
    ['1048576', 1048576],
    [' 1.5Ki ', 1536],
  ])('parses %p', (text, bytes) => expect(parseByteSize(text)).toBe(bytes));

  it.each(['', 'lots', '12 parsecs', '-1Mi', '1e3'])('refuses %p with the accepted forms', (text) => {
    expect(() => parseByteSize(text)).toThrow(/512Mi/);
  });

  it('formats with binary units, whole numbers without a decimal', () => {
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MiB');
  });

  it('reads back what it formats to within its rounding', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (bytes) => {
        const [value, unit] = formatBytes(bytes).split(' ');
        const back = parseByteSize(`${value}${unit === 'B' ? '' : unit}`);
        expect(Math.abs(back - bytes)).toBeLessThanOrEqual(Math.max(1, bytes * 0.05));
      }),
    );
  });
});
