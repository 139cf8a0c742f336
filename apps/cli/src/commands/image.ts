import { existsSync, statSync } from 'node:fs';
import type { ImageResource } from '@corral/contracts';
import type { CliContext } from '../cli-context';
import { ApiError, CliExit, EXIT, UsageError } from '../exit-codes';
import { formatBytes } from '@corral/domain';
import { imagesTable } from '../output/resources';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `corral image import FILE.tar`: uploads an OCI image archive; hosts running containerd import it. */
export async function imageImport(ctx: CliContext, file: string): Promise<number> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file}: no such file (give an OCI image layout tar, e.g. from \`ctr images export\`)`);
  const { image, created } = await ctx.client().uploadImage(file);
  ctx.print(image, () => `image ${image.name} ${created ? 'stored' : 'already stored'} (${image.id}, ${formatBytes(image.sizeBytes)}, sha256 ${image.sha256.slice(0, 12)}); hosts running containerd import it\n`);
  return EXIT.ok;
}

/** `corral image list` */
export async function imageList(ctx: CliContext): Promise<number> {
  const list = await ctx.client().listImages();
  ctx.print(list, () => imagesTable(list.items, ctx.now()));
  return EXIT.ok;
}

/** `corral image delete ID|NAME [--ignore-not-found]` */
export async function imageDelete(ctx: CliContext, ref: string, flags: { ignoreNotFound?: boolean }): Promise<number> {
  const client = ctx.client();
  let image: Pick<ImageResource, 'id'> & Partial<ImageResource> | undefined;
  if (UUID.test(ref)) image = { id: ref };
  else image = (await client.listImages()).items.find((i) => i.name === ref);
  const notFound = () => {
    if (!flags.ignoreNotFound) return new CliExit(EXIT.failed, `image ${ref} not found`);
    ctx.io.stderr.write(`image ${ref} not found; nothing to delete\n`);
    return null;
  };
  if (!image) {
    const err = notFound();
    if (err) throw err;
    return EXIT.ok;
  }
  try {
    await client.deleteImage(image.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const e = notFound();
      if (e) throw e;
      return EXIT.ok;
    }
    throw err;
  }
  ctx.print({ id: image.id, ...(image.name ? { name: image.name } : {}), deleted: true }, () => `image ${image.name ?? image.id} deleted\n`);
  return EXIT.ok;
}
