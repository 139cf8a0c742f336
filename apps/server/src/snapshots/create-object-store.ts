import { readFileSync } from 'node:fs';
import type { SnapshotStoreConfig } from '../config/corral-config';
import { FilesystemObjectStore } from './filesystem-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3/s3-object-store';

/** The configured snapshot store (a CA file named for S3 is read here, at boot). */
export function createObjectStore(config: SnapshotStoreConfig): ObjectStore {
  if (config.kind === 'filesystem') return new FilesystemObjectStore(config.dir);
  const { caFile, ...s3 } = config;
  return new S3ObjectStore({ ...s3, ...(caFile ? { caPem: readFileSync(caFile, 'utf8') } : {}) });
}
