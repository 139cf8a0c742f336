import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { IsLabelMap } from '../../common/is-label-map.validator';
import { IsDuration } from '../../common/is-duration.validator';

export class UpdateEnvironmentDto {
  @ApiPropertyOptional({ example: { team: 'platform' }, description: 'replaces all labels' })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ example: '2h', description: 'new time to live, counted from now' })
  @IsOptional()
  @IsDuration()
  ttl?: string;
}
