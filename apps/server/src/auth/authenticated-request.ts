import type { Request } from 'express';
import type { ApiKeyScope } from './api-key.entity';

export interface Principal {
  kind: 'api-key' | 'host';
  id: string;
  /** the API key's name (hosts: their id) */
  name: string;
  scopes: ApiKeyScope[];
}

export type AuthenticatedRequest = Request & { principal?: Principal };
