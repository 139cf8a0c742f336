import { Body, ConflictException, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { HostsService } from './hosts.service';
import { ListHostsQuery } from './dto/list-hosts.query';
import { hostView } from './host.view';
import { HostComponentsService } from '../components/host-components.service';
import { SetHostComponentsDto } from '../components/dto/component-spec.dto';
import { HostImagesService } from '../images/host-images.service';
import { FieldValidationException } from '../common/field-validation.exception';

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('v1/hosts')
export class HostsController {
  constructor(
    private readonly hosts: HostsService,
    private readonly hostComponents: HostComponentsService,
    private readonly hostImages: HostImagesService,
  ) {}

  @Get()
  @RequireScope('read')
  async list(@Query() query: ListHostsQuery) {
    // components cost two queries per host: only for one environment's hosts (a page needs them together)
    if (query.components && !query.environment) throw FieldValidationException.field('components', 'needs environment: components are listed for one environment\'s hosts');
    const hosts = await this.hosts.list(query);
    if (query.components) {
      const items = await Promise.all(
        hosts.map(async (host) => {
          const components = await this.hostComponents.sideBySide(host.id, host.state);
          return { ...hostView(host), conditions: this.hostComponents.hostConditions(host, components), components };
        }),
      );
      return { items };
    }
    const conditions = await this.hostComponents.conditionsForHosts(hosts);
    return { items: hosts.map((host) => ({ ...hostView(host), conditions: conditions.get(host.id) })) };
  }

  @Get(':id')
  @RequireScope('read')
  async get(@Param('id') id: string) {
    const host = await this.hosts.get(id);
    const [components, images] = await Promise.all([this.hostComponents.sideBySide(host.id, host.state), this.hostImages.forHost(host.id)]);
    return { ...hostView(host), conditions: this.hostComponents.hostConditions(host, components), components, images };
  }

  @Delete(':id')
  @RequireScope('write')
  @HttpCode(204)
  async remove(@Param('id') id: string) {
    await this.hosts.remove(id);
  }

  /**
   * Sets the desired components of a host outside any environment directly (admin; for
   * operators and tests). An environment's hosts are managed by provisioning.
   */
  @Put(':id/components')
  @RequireScope('admin')
  async setComponents(@Param('id') id: string, @Body() body: SetHostComponentsDto) {
    const host = await this.hosts.get(id);
    if (host.environmentId) {
      throw new ConflictException(`host ${host.hostname} belongs to environment ${host.environmentId}; its components are managed by provisioning`);
    }
    const change = await this.hostComponents.setDesired(host, body.components);
    return { ...change, components: await this.hostComponents.sideBySide(host.id, host.state) };
  }
}
