import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { ENVIRONMENT_STATES } from '@corral/domain';

export const MAX_WAIT_SECONDS = 3600;
export const DEFAULT_WAIT_SECONDS = 60;

export class GetEnvironmentQuery {
  @ApiPropertyOptional({
    enum: ENVIRONMENT_STATES,
    description:
      'block until the environment is in this state, fails (state error; deleted while waiting for another state; a component crash-looping while it comes up towards active), or the timeout passes. ' +
      'The answer is 200 with the environment and `wait: {for, result: reached|failed|timedOut, failure?, waitedMs}`, also in the Corral-Wait-Result header.',
  })
  @IsOptional()
  @IsIn(ENVIRONMENT_STATES as readonly string[])
  waitFor?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: DEFAULT_WAIT_SECONDS, description: 'seconds to wait (with waitFor)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  timeout?: number;
}
