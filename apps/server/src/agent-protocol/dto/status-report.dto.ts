import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { COMPONENT_PHASES, type ComponentPhase, type ObservedComponent, type ObservedImage, type StatusReport } from '@corral/contracts';
import { IsTimestamp } from '../../common/is-timestamp.validator';

// restarts, pid and exit_code are PostgreSQL int columns
const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

export class ObservedComponentDto implements ObservedComponent {
  @ApiProperty() @IsString() @MaxLength(63) name: string;
  @ApiProperty() @IsString() @MaxLength(128) specHash: string;
  @ApiProperty({ enum: COMPONENT_PHASES }) @IsIn(COMPONENT_PHASES) phase: ComponentPhase;
  @ApiProperty() @IsBoolean() healthy: boolean;
  @ApiProperty() @IsInt() @Min(0) @Max(INT32_MAX) restarts: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(INT32_MIN) @Max(INT32_MAX) pid?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(INT32_MIN) @Max(INT32_MAX) exitCode?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string | null;
  @ApiProperty() @IsTimestamp() since: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() crashLoop?: boolean;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(4096, { each: true }) lastLogLines?: string[];
}

export class ObservedImageDto implements ObservedImage {
  @ApiProperty() @IsString() @MaxLength(64) id: string;
  @ApiProperty() @IsString() @MaxLength(255) name: string;
  @ApiProperty() @IsString() @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' }) sha256: string;
  @ApiProperty() @IsBoolean() imported: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(INT32_MAX) failures?: number;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() importedAt?: string | null;
}

export class StatusReportDto implements StatusReport {
  @ApiProperty() @IsString() @MaxLength(64) agentVersion: string;
  @ApiProperty() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) observedRevision: number;
  @ApiProperty({ type: [ObservedComponentDto] })
  @IsArray()
  @ArrayMaxSize(64)
  @ArrayUnique((c: ObservedComponentDto) => (c && typeof c === 'object' ? c.name : c), { message: 'components must not name a component twice' })
  @IsObject({ each: true }) // ValidateNested alone also passes [[{...}]]
  @ValidateNested({ each: true })
  @Type(() => ObservedComponentDto)
  components: ObservedComponentDto[];

  @ApiPropertyOptional({ type: [ObservedImageDto], description: 'every desired image: imported into containerd, or why not yet' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ObservedImageDto)
  images?: ObservedImageDto[];
}
