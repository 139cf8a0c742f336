import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class RestoreSnapshotDto {
  @ApiProperty({ description: 'id of a completed snapshot of this environment' })
  @IsUUID()
  snapshotId: string;
}
