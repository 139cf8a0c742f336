import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { HOST_STATES } from '@corral/domain';

export class ListHostsQuery {
  @ApiPropertyOptional({ description: 'environment id or name' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  environment?: string;

  @ApiPropertyOptional({ description: 'hosts of this pool' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  pool?: string;

  @ApiPropertyOptional({ description: 'true: only hosts in no environment' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  idle?: boolean;

  @ApiPropertyOptional({ description: 'true (with environment): each host also has its components, desired and observed side by side, as GET /v1/hosts/{id} gives them' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  components?: boolean;

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
