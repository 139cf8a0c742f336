import type { DesiredImage } from '@corral/contracts';
import type { Image } from './image.entity';

export function imageView(i: Image) {
  return {
    id: i.id,
    name: i.name,
    sha256: i.sha256,
    sizeBytes: i.sizeBytes,
    manifestDigest: i.manifestDigest,
    source: i.source,
    createdAt: i.createdAt,
  };
}

export function desiredImageView(i: Pick<Image, 'id' | 'name' | 'sha256' | 'sizeBytes' | 'manifestDigest'>): DesiredImage {
  return { id: i.id, name: i.name, sha256: i.sha256, sizeBytes: i.sizeBytes, manifestDigest: i.manifestDigest };
}
