import { ConflictException } from '@nestjs/common';
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { EtcdSnapshot } from './etcd-snapshot.entity';

/**
 * Streams a snapshot's etcd database, with its digest for the receiver to check. The data is
 * checked against the same digest as it flows: a failure before the first byte is a 409 naming
 * it; after, the answer is cut short, so the receiver never takes a corrupt database for a whole one.
 */
export async function sendSnapshotData(res: Response, snapshot: EtcdSnapshot, data: Readable, filename: string): Promise<void> {
  let first: Buffer | null;
  try {
    first = await firstChunk(data);
  } catch (err) {
    throw new ConflictException((err as Error).message);
  }
  res.status(200);
  res.setHeader('Content-Type', 'application/octet-stream');
  if (snapshot.sizeBytes !== null) res.setHeader('Content-Length', String(snapshot.sizeBytes));
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Content-Digest', `sha-256=:${Buffer.from(snapshot.sha256!, 'hex').toString('base64')}:`);
  res.setHeader('ETag', `"${snapshot.sha256}"`);
  if (first) res.write(first);
  // a failure from here on destroys the answer: the receiver sees a cut transfer
  await pipeline(data, res).catch(() => undefined);
}

/** The stream's first chunk (null when it ends empty), or its error; the rest stays unread. */
function firstChunk(stream: Readable): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off('readable', onReadable);
      stream.off('error', onError);
      stream.off('end', onEnd);
    };
    const onReadable = () => {
      const chunk = stream.read() as Buffer | null;
      if (chunk !== null) {
        cleanup();
        resolve(chunk);
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    stream.on('readable', onReadable);
    stream.on('error', onError);
    stream.on('end', onEnd);
  });
}
