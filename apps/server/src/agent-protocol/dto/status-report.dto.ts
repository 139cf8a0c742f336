import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { COMPONENT_PHASES, type ComponentPhase, type ObservedComponent, type StatusReport } from '@corral/contracts';

export class ObservedComponentDto implements ObservedComponent {
  @ApiProperty() @IsString() @MaxLength(63) name: string;
  @ApiProperty() @IsString() @MaxLength(128) specHash: string;
  @ApiProperty({ enum: COMPONENT_PHASES }) @IsIn(COMPONENT_PHASES) phase: ComponentPhase;
  @ApiProperty() @IsBoolean() healthy: boolean;
  @ApiProperty() @IsInt() @Min(0) restarts: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() pid?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsInt() exitCode?: number | null;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4096) message?: string | null;
  @ApiProperty() @IsISO8601() since: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() crashLoop?: boolean;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @MaxLength(4096, { each: true }) lastLogLines?: string[];
}

export class StatusReportDto implements StatusReport {
  @ApiProperty() @IsString() @MaxLength(64) agentVersion: string;
  @ApiProperty() @IsInt() @Min(0) observedRevision: number;
  @ApiProperty({ type: [ObservedComponentDto] })
  @IsArray()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => ObservedComponentDto)
  components: ObservedComponentDto[];
}
