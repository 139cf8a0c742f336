import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIP, IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { HOST_ROLES, type HostRole, type RegisterRequest } from '@corral/contracts';
import { IsLabelMap } from '../../common/is-label-map.validator';

export class RegisterHostDto implements RegisterRequest {
  @ApiProperty({ description: 'registration token' })
  @IsString()
  @Length(1, 200)
  token: string;

  @ApiProperty({ example: 'node-1', description: 'becomes the Kubernetes node name' })
  @IsString()
  @MaxLength(253)
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { message: 'hostname must be a DNS-1123 subdomain (lower case)' })
  hostname: string;

  @ApiProperty({ example: ['10.0.0.5'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(16)
  @IsIP(undefined, { each: true, message: 'each address must be an IP address' })
  addresses: string[];

  @ApiPropertyOptional({ example: { zone: 'a' } })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ enum: HOST_ROLES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(HOST_ROLES, { each: true, message: `each role must be one of ${HOST_ROLES.join(', ')}` })
  roles?: HostRole[];

  @ApiPropertyOptional({ description: 'a random id the agent keeps while it retries one registration: a retry whose first answer was lost gets the same host (a new credential), spending no use of the token' })
  @IsOptional()
  @IsString()
  @Length(16, 128)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'registrationId must be 16-128 characters of A-Z, a-z, 0-9, _ and -' })
  registrationId?: string;

  @ApiPropertyOptional({ example: '0.1.0' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  agentVersion?: string;
}
