import { Controller, Get, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HostAuth } from '../hosts/host-credential.guard';
import { ImageStore } from './image-store.service';

/** "corral.local/busybox:1.35.0" -> "busybox_1.35.0.tar" (as tools/images names its archives) */
export function archiveFileName(name: string): string {
  return `${name.slice(name.lastIndexOf('/') + 1).replace(/[^A-Za-z0-9._-]/g, '_')}.tar`;
}

/** Until the response takes more data, or the connection is gone (no listener left behind either way). */
function drainedOrClosed(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

@ApiTags('agent')
@Controller('v1/agent')
export class AgentImagesController {
  private readonly logger = new Logger('Images');

  constructor(private readonly store: ImageStore) {}

  /**
   * An image archive for the host's containerd, for any registered host (its credential),
   * with its SHA-256 (Content-Digest, ETag) for the agent to check before it imports it.
   */
  @Get('images/:id/data')
  @HostAuth()
  @ApiBearerAuth()
  async data(@Param('id') id: string, @Res() res: Response): Promise<void> {
    const image = await this.store.find(id);
    if (!image) throw new NotFoundException(`image ${id} not found`);
    const chunks = await this.store.checkedChunks(image);
    res.status(200);
    res.setHeader('Content-Type', 'application/x-tar');
    res.setHeader('Content-Length', String(image.sizeBytes));
    res.setHeader('Content-Disposition', `attachment; filename="${archiveFileName(image.name)}"`);
    res.setHeader('Content-Digest', `sha-256=:${Buffer.from(image.sha256, 'hex').toString('base64')}:`);
    res.setHeader('ETag', `"${image.sha256}"`);
    try {
      for await (const chunk of chunks) {
        if (res.destroyed) break;
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      res.end();
    } catch (err) {
      // headers are out: the only way to say it failed is to cut the transfer short
      this.logger.error(`image ${image.id} (${image.name}): ${(err as Error).message}`);
      res.destroy();
    }
  }
}
