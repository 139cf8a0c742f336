import { SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from './api-key.entity';

export const AUTH_METADATA = 'corral:auth';
export type AuthRequirement = { kind: 'public' } | { kind: 'host' } | { kind: 'scope'; scope: ApiKeyScope };

/** No credential needed (health, metrics, docs, agent registration which carries its own token). */
export const Public = () => SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement);
/** An API key holding this scope (admin implies write implies read). */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(AUTH_METADATA, { kind: 'scope', scope } satisfies AuthRequirement);
