import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class StartCaRotationDto {
  @ApiPropertyOptional({
    enum: ['cluster'],
    default: 'cluster',
    description: 'the CA to rotate: the cluster CA, which signs every client and kubeconfig certificate (the etcd and front-proxy CAs sign no certificate that leaves the hosts and are not rotated)',
  })
  @IsOptional()
  @IsIn(['cluster'], { message: 'ca must be "cluster": only the cluster CA rotates (etcd and front-proxy CAs sign nothing handed out)' })
  ca?: 'cluster';
}
