import type { EntityManager } from 'typeorm';
import type { DesiredImage } from '@corral/contracts';
import { Image } from './image.entity';
import { desiredImageView } from './image.view';

/** The images a host with a containerd component imports: every stored one, by name. */
export async function desiredImages(manager: EntityManager): Promise<DesiredImage[]> {
  const rows = await manager.getRepository(Image).find({ select: { id: true, name: true, sha256: true, sizeBytes: true, manifestDigest: true }, order: { name: 'ASC' } });
  return rows.map(desiredImageView);
}
