import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsLabelMap } from '../../common/is-label-map.validator';
import { IsDuration } from '../../common/is-duration.validator';

export class EtcdOptionsDto {
  @ApiProperty({ enum: [1, 3, 5], default: 1 })
  @IsIn([1, 3, 5], { message: 'members must be 1, 3 or 5' })
  members: 1 | 3 | 5;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Hosts claimed from a pool: `count` idle hosts matching `labelSelector`. */
export class HostClaimDto {
  @ApiProperty({ example: 'ci', description: 'pool name (DNS-1123 label)' })
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: 'pool must be a DNS-1123 label' })
  pool: string;

  @ApiProperty({ example: 3, minimum: 1, maximum: 100 })
  @IsInt()
  @Min(1)
  @Max(100)
  count: number;

  @ApiPropertyOptional({ example: 'zone=a,disk!=hdd', description: 'only hosts whose labels match' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  labelSelector?: string;
}

export class CreateEnvironmentDto {
  @ApiProperty({ example: 'dev', description: 'DNS-1123 label, at most 63 characters' })
  @IsString()
  @MaxLength(63)
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'name must be a DNS-1123 label: lower-case letters, digits and -, starting and ending with a letter or digit' })
  name: string;

  @ApiPropertyOptional({ example: 'v1.36' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  kubernetesVersion?: string;

  @ApiPropertyOptional({ example: { team: 'platform' } })
  @IsOptional()
  @IsObject()
  @IsLabelMap()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ type: EtcdOptionsDto })
  @IsOptional()
  @IsDefined()
  @IsObject() // ValidateNested alone also passes [{ members: 3 }]
  @ValidateNested()
  @Type(() => EtcdOptionsDto)
  etcd?: EtcdOptionsDto;

  @ApiPropertyOptional({ example: '30m', description: 'the environment is deleted this long after creation' })
  @IsOptional()
  @IsDuration()
  ttl?: string;

  @ApiPropertyOptional({ type: HostClaimDto, description: 'claim idle hosts of a pool instead of registering hosts to the environment' })
  @IsOptional()
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => HostClaimDto)
  hosts?: HostClaimDto;

  @ApiPropertyOptional({ description: 'with hosts: create even when too few hosts are idle (else 409) and claim them as they free up' })
  @IsOptional()
  @IsBoolean()
  waitForHosts?: boolean;
}
