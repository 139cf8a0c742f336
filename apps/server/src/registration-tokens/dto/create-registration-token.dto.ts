import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { HOST_ROLES, type HostRole } from '@corral/contracts';
import { IsDuration } from '../../common/is-duration.validator';

export class CreateRegistrationTokenDto {
  @ApiPropertyOptional({ example: '24h', description: 'how long the token is valid; default 24h' })
  @IsOptional()
  @IsDuration()
  ttl?: string;

  @ApiPropertyOptional({ example: 3, description: 'how many hosts may register with it; default 1 for an environment token, unlimited for a pool token' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  maxUses?: number;

  @ApiPropertyOptional({ enum: HOST_ROLES, isArray: true, description: 'the roles its hosts may take (a host asking for another is refused with 403); default any' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1, { message: 'roles must name at least one role (omit it to allow any)' })
  @ArrayMaxSize(HOST_ROLES.length * 2)
  @IsIn(HOST_ROLES, { each: true, message: `each role must be one of ${HOST_ROLES.join(', ')}` })
  roles?: HostRole[];
}
