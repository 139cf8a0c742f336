import type { ApiKeyScope } from './api-key.entity';

const RANK: Record<ApiKeyScope, number> = { read: 1, write: 2, admin: 3 };

/** admin implies write implies read */
export function scopesAllow(held: ApiKeyScope[], needed: ApiKeyScope): boolean {
  return held.some((scope) => RANK[scope] >= RANK[needed]);
}
