import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsDuration } from '../../common/is-duration.validator';

export class CreateRegistrationTokenDto {
  @ApiPropertyOptional({ example: '24h', description: 'how long the token is valid; default 24h' })
  @IsOptional()
  @IsDuration()
  ttl?: string;

  @ApiPropertyOptional({ example: 3, description: 'how many hosts may register with it; default unlimited' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100000)
  maxUses?: number;
}
