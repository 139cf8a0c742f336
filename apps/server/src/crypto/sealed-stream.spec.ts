import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { SecretBox, ringKey } from './secret-box';
import { SEALED_CHUNK_BYTES, createOpenStream, createSealStream, sealedStreamKeyId } from './sealed-stream';

const CH = SEALED_CHUNK_BYTES;
const box = new SecretBox(['n'.repeat(32), 'o'.repeat(32)]);
const DATA = randomBytes(3 * CH + 7);

/** Feeds `data` in pieces cut at the given points, through `transform`, and collects the output. */
async function through(transform: NodeJS.ReadWriteStream, data: Buffer, cuts: number[] = []): Promise<Buffer> {
  const points = [...new Set([0, ...cuts.filter((c) => c > 0 && c < data.length), data.length])].sort((a, b) => a - b);
  const pieces = points.slice(1).map((end, i) => data.subarray(points[i], end));
  const out = transform as unknown as NodeJS.ReadableStream;
  const [result] = await Promise.all([buffer(out), pipeline(Readable.from(pieces.length ? pieces : [Buffer.alloc(0)]), transform as never)]);
  return result;
}

const sizes = fc.constantFrom(0, 1, CH - 1, CH, CH + 1, 2 * CH, 3 * CH + 7);
const cuts = fc.array(fc.integer({ min: 1, max: 3 * CH }), { maxLength: 5 });

describe('sealed streams', () => {
  it('open what they sealed, for any size around chunk boundaries and any way the input is cut', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, cuts, cuts, async (size, sealCuts, openCuts) => {
        const data = DATA.subarray(0, size);
        const sealed = await through(createSealStream(box, 'environment:a'), data, sealCuts);
        expect(sealedStreamKeyId(sealed)).toBe(ringKey('n'.repeat(32)).id);
        // the plaintext does not show through (a byte or two may occur in any ciphertext by chance)
        if (size >= 16) expect(sealed.includes(data.subarray(0, Math.min(64, size)))).toBe(false);
        const opened = await through(createOpenStream(box, 'environment:a'), sealed, openCuts);
        return opened.equals(data);
      }),
      { numRuns: 25 },
    );
    // up to 25 x 3 MiB sealed and opened: seconds on a loaded 2-core machine
  }, 60_000);

  it('refuse another context, an unknown key, a truncated, tampered or reordered stream', async () => {
    const data = DATA.subarray(0, 2 * CH + 3);
    const sealed = await through(createSealStream(box, 'environment:a'), data);
    await expect(through(createOpenStream(box, 'environment:b'), sealed)).rejects.toThrow(/does not authenticate/);
    await expect(through(createOpenStream(new SecretBox('o'.repeat(32)), 'environment:a'), sealed)).rejects.toThrow(/not in CORRAL_SECRET_KEYS/);

    const header = 32;
    const frame = 5 + CH + 16;
    // the last chunk dropped: the chunk before it is not final
    await expect(through(createOpenStream(box, 'environment:a'), sealed.subarray(0, header + 2 * frame))).rejects.toThrow(/truncated/);
    // cut anywhere in the middle
    await expect(through(createOpenStream(box, 'environment:a'), sealed.subarray(0, sealed.length - 1))).rejects.toThrow(/truncated/);
    const tampered = Buffer.from(sealed);
    tampered[header + 100] ^= 1;
    await expect(through(createOpenStream(box, 'environment:a'), tampered)).rejects.toThrow(/does not authenticate/);
    const swapped = Buffer.concat([sealed.subarray(0, header), sealed.subarray(header + frame, header + 2 * frame), sealed.subarray(header, header + frame), sealed.subarray(header + 2 * frame)]);
    await expect(through(createOpenStream(box, 'environment:a'), swapped)).rejects.toThrow(/does not authenticate/);
    await expect(through(createOpenStream(box, 'environment:a'), Buffer.concat([sealed, sealed.subarray(header, header + 10)]))).rejects.toThrow(/after the final chunk/);
    await expect(through(createOpenStream(box, 'environment:a'), randomBytes(100))).rejects.toThrow(/bad header/);
  });
});
