import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireScope } from '../auth/auth.decorators';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { ImageStore } from './image-store.service';
import { ImagesService, IMAGE_CONTENT_TYPE } from './images.service';
import { imageView } from './image.view';

/**
 * OCI image archives for clusters without a registry: every host running containerd imports
 * each one (namespace k8s.io), so pods use them by name with imagePullPolicy IfNotPresent.
 */
@ApiTags('images')
@ApiBearerAuth()
@Controller('v1/images')
export class ImagesController {
  constructor(
    private readonly images: ImagesService,
    private readonly store: ImageStore,
  ) {}

  /**
   * Uploads an OCI image layout tar (`ctr images export`, `skopeo copy … oci-archive:FILE`,
   * tools/images) whose index.json holds exactly one manifest annotated with
   * io.containerd.image.name: 201 when stored (replacing another archive of that name), 200 when
   * that very archive is already stored.
   */
  @Post()
  @RequireScope('write')
  @ApiConsumes(IMAGE_CONTENT_TYPE)
  @ApiBody({ description: 'the archive', schema: { type: 'string', format: 'binary' } })
  async upload(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const { image, outcome } = await this.images.upload(req, `API key ${req.principal?.id ?? 'unknown'}`);
    res.status(outcome === 'unchanged' ? 200 : 201);
    return imageView(image);
  }

  @Get()
  @RequireScope('read')
  async list() {
    return { items: (await this.store.list()).map(imageView) };
  }

  @Get(':id')
  @RequireScope('read')
  async get(@Param('id') id: string) {
    return imageView(await this.store.get(id));
  }

  /** Hosts stop importing it; those that have it keep it. The pinned sandbox image cannot be deleted (409). */
  @Delete(':id')
  @RequireScope('write')
  @HttpCode(204)
  async remove(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<void> {
    await this.store.delete(await this.store.get(id), `API key ${req.principal?.id ?? 'unknown'}`);
  }
}
