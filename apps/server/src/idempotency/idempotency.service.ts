import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type IdempotencyDecision =
  | { kind: 'proceed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'in-flight' }
  | { kind: 'mismatch' };

/** Keys are remembered this long. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** An in-flight key whose handler said nothing for this long may be taken over by a retry. */
const IN_FLIGHT_LEASE_SECONDS = 60;
const CLEANUP_EVERY_MS = 60_000;
const CLEANUP_BATCH = 500;
const BEGIN_ATTEMPTS = 3;

/**
 * Idempotency-Key records in PostgreSQL, per caller: the first request claims the key
 * (in flight), its success is stored with the request's fingerprint and replayed to retries;
 * a failure releases the key so a retry runs again.
 */
@Injectable()
export class IdempotencyService {
  private lastCleanup = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async begin(principalId: string, key: string, requestHash: string): Promise<IdempotencyDecision> {
    await this.cleanupExpired();
    for (let attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
      // claim the key unless someone holds it: a fresh key, an expired one, or an abandoned in-flight one of the same request
      const claimed = await this.dataSource.query(
        `INSERT INTO idempotency_keys (principal_id, key, request_hash, state, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in-flight', now() + make_interval(secs => $4), now() + make_interval(hours => $5))
         ON CONFLICT (principal_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in-flight', locked_until = EXCLUDED.locked_until,
               expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL, created_at = now()
           WHERE idempotency_keys.expires_at < now()
              OR (idempotency_keys.state = 'in-flight' AND idempotency_keys.locked_until < now() AND idempotency_keys.request_hash = EXCLUDED.request_hash)
         RETURNING key`,
        [principalId, key, requestHash, IN_FLIGHT_LEASE_SECONDS, IDEMPOTENCY_TTL_HOURS],
      );
      if (claimed.length) return { kind: 'proceed' };
      const [row] = await this.dataSource.query(
        `SELECT request_hash, state, response_status, response_body FROM idempotency_keys WHERE principal_id = $1 AND key = $2`,
        [principalId, key],
      );
      if (!row) continue; // released between the two statements: try to claim it again
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.state === 'in-flight') return { kind: 'in-flight' };
      return { kind: 'replay', status: row.response_status, body: row.response_body };
    }
    return { kind: 'in-flight' };
  }

  async complete(principalId: string, key: string, status: number, body: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4, locked_until = NULL WHERE principal_id = $1 AND key = $2`,
      [principalId, key, status, body],
    );
  }

  async release(principalId: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE principal_id = $1 AND key = $2 AND state = 'in-flight'`, [principalId, key]);
  }

  /** Deletes a bounded batch of expired keys, at most once a minute per process. */
  private async cleanupExpired(): Promise<void> {
    if (Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE (principal_id, key) IN (SELECT principal_id, key FROM idempotency_keys WHERE expires_at < now() LIMIT $1)`,
      [CLEANUP_BATCH],
    );
  }
}
