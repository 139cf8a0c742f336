import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export const KUBECONFIG_ENDPOINTS = ['proxy', 'direct'] as const;
export const DEFAULT_KUBECONFIG_TTL = '30d';
/** a direct kubeconfig's client certificate cannot be revoked: short-lived by default */
export const DEFAULT_DIRECT_KUBECONFIG_TTL = '24h';

export class KubeconfigQuery {
  @ApiPropertyOptional({
    enum: KUBECONFIG_ENDPOINTS,
    default: 'proxy',
    description:
      'proxy (default): the environment\'s API through this server (/k8s/environments/{env}), with a token of the calling key; it keeps working while any control-plane host is lost. ' +
      'direct: one kube-apiserver\'s address with the cluster-admin client certificate (needs a write key).',
  })
  @IsOptional()
  @IsIn(KUBECONFIG_ENDPOINTS as readonly string[])
  endpoint?: (typeof KUBECONFIG_ENDPOINTS)[number];

  @ApiPropertyOptional({ description: `lifetime, e.g. 8h, 30d (1m to 365d): of the proxy kubeconfig's token (default ${DEFAULT_KUBECONFIG_TTL}), or of the direct kubeconfig's client certificate (default ${DEFAULT_DIRECT_KUBECONFIG_TTL})` })
  @IsOptional()
  @Matches(/^\d+(s|m|h|d)$/, { message: 'ttl must be a duration such as 8h or 30d' })
  ttl?: string;
}
