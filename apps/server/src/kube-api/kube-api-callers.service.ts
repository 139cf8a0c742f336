import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { impersonatedUserName, type KubeAccess } from '@corral/domain';
import { generateSecret, hashSecret } from '../crypto/secrets';
import { scopesAllow } from '../auth/scopes';
import type { ApiKeyScope } from '../auth/api-key.entity';

/** Who sends a request through the Kubernetes API proxy, as the cluster will see them. */
export interface KubeApiCaller {
  apiKeyId: string;
  /** the Kubernetes user the proxy impersonates */
  user: string;
  access: KubeAccess;
  /** a kubeconfig token is bound to one environment; an API key reaches every one */
  environmentId: string | null;
}

/** A verdict is reused this long, so a busy kubeconfig costs no query per request; a deleted key stops working within it. */
const CACHE_MS = 5_000;
const MAX_TTL_SECONDS = 365 * 86400;

/** Authenticates proxy callers (Corral API keys and kubeconfig tokens) and issues kubeconfig tokens. */
@Injectable()
export class KubeApiCallersService {
  private readonly cache = new Map<string, { caller: KubeApiCaller | null; until: number }>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A new token for this key and environment (shown once, only its hash is kept). */
  async issueToken(input: { apiKeyId: string; scopes: ApiKeyScope[]; environmentId: string; ttlSeconds: number }): Promise<{ token: string; expiresAt: Date }> {
    if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds < 60 || input.ttlSeconds > MAX_TTL_SECONDS) {
      throw new RangeError(`ttl must be from 1m to 365d`);
    }
    const token = generateSecret('kt');
    const access: KubeAccess = scopesAllow(input.scopes, 'write') ? 'write' : 'read';
    const [row] = await this.db.query(
      `INSERT INTO kube_api_tokens (api_key_id, environment_id, secret_hash, access, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5)) RETURNING expires_at`,
      [input.apiKeyId, input.environmentId, hashSecret(token), access, input.ttlSeconds],
    );
    return { token, expiresAt: new Date(row.expires_at) };
  }

  /** The caller behind a bearer secret, or null when it is no valid key or token. */
  async authenticate(secret: string): Promise<KubeApiCaller | null> {
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.caller;
    const caller = secret.startsWith('crl_kt_') ? await this.fromToken(hash) : await this.fromApiKey(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { caller, until: now + CACHE_MS });
    return caller;
  }

  /** Drops cached verdicts of a deleted key (and its kubeconfig tokens) at once. */
  forgetKey(apiKeyId: string): void {
    for (const [hash, entry] of this.cache) if (entry.caller?.apiKeyId === apiKeyId) this.cache.delete(hash);
  }

  private async fromToken(hash: string): Promise<KubeApiCaller | null> {
    const [row] = await this.db.query(
      `SELECT t.api_key_id, t.environment_id, t.access, k.name, k.scopes FROM kube_api_tokens t JOIN api_keys k ON k.id = t.api_key_id
       WHERE t.secret_hash = $1 AND t.expires_at > now()`,
      [hash],
    );
    if (!row) return null;
    // a key whose scopes were narrowed since cannot act above them through an older token
    const access: KubeAccess = row.access === 'write' && scopesAllow(row.scopes, 'write') ? 'write' : 'read';
    return { apiKeyId: row.api_key_id, user: impersonatedUserName(row.name), access, environmentId: row.environment_id };
  }

  private async fromApiKey(hash: string): Promise<KubeApiCaller | null> {
    const [row] = await this.db.query('SELECT id, name, scopes FROM api_keys WHERE secret_hash = $1', [hash]);
    if (!row) return null;
    return { apiKeyId: row.id, user: impersonatedUserName(row.name), access: scopesAllow(row.scopes, 'write') ? 'write' : 'read', environmentId: null };
  }
}
