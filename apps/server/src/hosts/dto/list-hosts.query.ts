import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { HOST_STATES } from '@corral/domain';

export class ListHostsQuery {
  @ApiPropertyOptional({ description: 'environment id or name' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  environment?: string;

  @ApiPropertyOptional({ enum: HOST_STATES })
  @IsOptional()
  @IsIn(HOST_STATES as readonly string[])
  state?: string;

  @ApiPropertyOptional({ example: 'zone=a' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;
}
