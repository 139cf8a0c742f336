import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class ListEventsQuery {
  @ApiPropertyOptional({ description: 'only events with a larger id (also Last-Event-ID for the stream)', example: '120' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'after must be an event id' })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: 'only the last N events (e.g. tail=1 for the id to stream after)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  tail?: number;
}
