import type { Response } from 'express';
import type { EtcdSnapshot } from './etcd-snapshot.entity';

/** Answers with a snapshot's etcd database (already checked against its SHA-256), with the digest for the receiver to check. */
export function sendSnapshotData(res: Response, snapshot: EtcdSnapshot, data: Buffer, filename: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(data.length));
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Content-Digest', `sha-256=:${Buffer.from(snapshot.sha256!, 'hex').toString('base64')}:`);
  res.setHeader('ETag', `"${snapshot.sha256}"`);
  res.end(data);
}
