import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class DesiredQuery {
  @ApiPropertyOptional({ description: 'the revision the agent has; answers when a newer one exists' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;

  @ApiPropertyOptional({ description: 'seconds to wait for a change (long-poll), at most 55', maximum: 55 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(55)
  wait?: number;
}
