import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested,
} from 'class-validator';
import { IsComponentEnv, IsProbeCommand, IsTeardownCommand } from '../../common/spec-rule.validator';
import { BIN_DIR_NAME, COMPONENT_NAME_MAX_LENGTH, COMPONENT_NAME_PATTERN as COMPONENT_NAME, PROBE_TYPES } from '@corral/contracts';
import type { ComponentSpec, FileSpec, InitDownload, InitStep, ProbeSpec, ProbeType, TeardownStep } from '@corral/contracts';

const BINARY = BIN_DIR_NAME;
const BINARY_MESSAGE = 'binary must be a plain executable name (found in the agent --bin-dir)';
const RELATIVE_PATH = /^(?!\/)(?!.*\.\.)/;

export class ProbeSpecDto implements ProbeSpec {
  @ApiProperty({ enum: [...PROBE_TYPES] }) @IsIn([...PROBE_TYPES]) type: ProbeType;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(253) host?: string;
  /** required for http, https and tcp: the agent refuses a whole desired state whose probe lacks it */
  @ApiPropertyOptional() @ValidateIf((p: ProbeSpecDto) => p.type !== 'exec' || p.port !== undefined) @IsInt() @Min(1) @Max(65535) port?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) path?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) caFile?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) certFile?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1024) keyFile?: string;
  @ApiPropertyOptional({ type: [String], description: "exec: argv; the executable is a file in the agent's --bin-dir (a plain name or ${binDir}/<name>)" })
  @ValidateIf((p: ProbeSpecDto) => p.type === 'exec' || p.command !== undefined) @IsArray() @ArrayMaxSize(64) @IsString({ each: true }) @IsProbeCommand() command?: string[];
  @ApiProperty() @IsInt() @Min(1) @Max(3600) intervalSeconds: number;
  @ApiProperty() @IsInt() @Min(1) @Max(600) timeoutSeconds: number;
  @ApiProperty() @IsInt() @Min(1) @Max(100) failureThreshold: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(3600) initialDelaySeconds?: number;
}

export class FileSpecDto implements FileSpec {
  @ApiProperty() @IsString() @MaxLength(1024) @Matches(RELATIVE_PATH, { message: 'path must be relative and must not contain ..' }) path: string;
  @ApiProperty() @IsString() @MaxLength(1_000_000) content: string;
  @ApiProperty({ example: 0o600 }) @IsInt() @Min(0) @Max(0o777) mode: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() expandContent?: boolean;
}

export class InitDownloadDto implements InitDownload {
  @ApiProperty() @IsString() @MaxLength(1024) @Matches(/^\/v1\/agent\//, { message: 'url must be a server path under /v1/agent/' }) url: string;
  @ApiProperty() @IsString() @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' }) sha256: string;
  @ApiProperty() @IsString() @MaxLength(1024) @Matches(RELATIVE_PATH, { message: 'path must be relative and must not contain ..' }) path: string;
}

export class InitStepDto implements InitStep {
  @ApiProperty() @IsString() @MaxLength(COMPONENT_NAME_MAX_LENGTH) @Matches(COMPONENT_NAME, { message: 'name must be a DNS-1123 label' }) name: string;
  @ApiProperty() @IsString() @MaxLength(255) @Matches(BINARY, { message: BINARY_MESSAGE }) binary: string;
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(512) @IsString({ each: true }) @MaxLength(8192, { each: true }) args: string[];
  @ApiPropertyOptional({ description: 'names to string values; LD_PRELOAD, LD_LIBRARY_PATH and PATH are refused' }) @IsOptional() @IsComponentEnv() env?: Record<string, string>;
  @ApiPropertyOptional({ type: [InitDownloadDto] }) @IsOptional() @IsArray() @ArrayMaxSize(8) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => InitDownloadDto) downloads?: InitDownloadDto[];
  @ApiProperty() @IsString() @MaxLength(1024) output: string;
}

const TEARDOWN_PHASES: TeardownStep['when'][] = ['before-stop', 'after-stop'];

export class TeardownStepDto implements TeardownStep {
  @ApiProperty({ enum: TEARDOWN_PHASES }) @IsIn(TEARDOWN_PHASES) when: TeardownStep['when'];
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(512) @IsString({ each: true }) @MaxLength(8192, { each: true }) @IsTeardownCommand() command: string[];
  @ApiProperty() @IsInt() @Min(1) @Max(600) timeoutSeconds: number;
}

export class ComponentSpecDto implements ComponentSpec {
  @ApiProperty() @IsString() @MaxLength(COMPONENT_NAME_MAX_LENGTH) @Matches(COMPONENT_NAME, { message: 'name must be a DNS-1123 label' }) name: string;
  @ApiProperty() @IsString() @MaxLength(63) kind: string;
  @ApiProperty() @IsString() @MaxLength(255) @Matches(BINARY, { message: BINARY_MESSAGE }) binary: string;
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(512) @IsString({ each: true }) @MaxLength(8192, { each: true }) args: string[];
  @ApiPropertyOptional({ description: 'names to string values; LD_PRELOAD, LD_LIBRARY_PATH and PATH are refused' }) @IsOptional() @IsComponentEnv() env?: Record<string, string>;
  @ApiProperty({ type: [FileSpecDto] }) @IsArray() @ArrayMaxSize(128) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => FileSpecDto) files: FileSpecDto[];
  @ApiProperty({ type: [Number] }) @IsArray() @ArrayMaxSize(64) @IsInt({ each: true }) @Min(1, { each: true }) @Max(65535, { each: true }) ports: number[];
  @ApiPropertyOptional({ type: ProbeSpecDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => ProbeSpecDto) probe?: ProbeSpecDto;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(16) @IsString({ each: true }) dependsOn?: string[];
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(3600) stopGracePeriodSeconds?: number;
  @ApiPropertyOptional({ type: [InitStepDto] }) @IsOptional() @IsArray() @ArrayMaxSize(8) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => InitStepDto) init?: InitStepDto[];
  @ApiPropertyOptional({ type: [TeardownStepDto] }) @IsOptional() @IsArray() @ArrayMaxSize(8) @IsObject({ each: true }) @ValidateNested({ each: true }) @Type(() => TeardownStepDto) teardown?: TeardownStepDto[];
}

export class SetHostComponentsDto {
  @ApiProperty({ type: [ComponentSpecDto] })
  @IsArray()
  @ArrayMaxSize(64)
  @IsObject({ each: true }) // ValidateNested alone also passes [[{...}]]
  @ValidateNested({ each: true })
  @Type(() => ComponentSpecDto)
  components: ComponentSpecDto[];
}
