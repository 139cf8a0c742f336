import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ENVIRONMENT_STATES } from '@corral/domain';

export class ListEnvironmentsQuery {
  @ApiPropertyOptional({ example: 'team=platform,tier!=prod' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;

  @ApiPropertyOptional({ enum: ENVIRONMENT_STATES })
  @IsOptional()
  @IsIn(ENVIRONMENT_STATES as readonly string[])
  state?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'opaque token from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  continue?: string;
}
