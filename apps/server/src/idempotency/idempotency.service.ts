import { Inject, Injectable } from '@nestjs/common';
import { CORRAL_CONFIG } from '../config/config.module';
import type { CorralConfig } from '../config/corral-config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type IdempotencyDecision =
  | { kind: 'proceed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'in-flight' }
  | { kind: 'mismatch' };

/** An in-flight key whose handler said nothing for this long may be taken over by a retry. */
const IN_FLIGHT_LEASE_SECONDS = 60;
const PRUNE_BATCH = 5000;
const BEGIN_ATTEMPTS = 3;

/**
 * Idempotency-Key records in PostgreSQL, per caller: the first request claims the key
 * (in flight), its success is stored with the request's fingerprint and replayed to retries;
 * a failure releases the key so a retry runs again.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CORRAL_CONFIG) private readonly config: CorralConfig,
  ) {}

  async begin(principalId: string, key: string, requestHash: string): Promise<IdempotencyDecision> {
    for (let attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
      // claim the key unless someone holds it: a fresh key, an expired one, or an abandoned in-flight one of the same request
      const claimed = await this.dataSource.query(
        `INSERT INTO idempotency_keys (principal_id, key, request_hash, state, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in-flight', now() + make_interval(secs => $4), now() + make_interval(secs => $5))
         ON CONFLICT (principal_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in-flight', locked_until = EXCLUDED.locked_until,
               expires_at = EXCLUDED.expires_at, response_status = NULL, response_body = NULL, created_at = now()
           WHERE idempotency_keys.expires_at < now()
              OR (idempotency_keys.state = 'in-flight' AND idempotency_keys.locked_until < now() AND idempotency_keys.request_hash = EXCLUDED.request_hash)
         RETURNING key`,
        [principalId, key, requestHash, IN_FLIGHT_LEASE_SECONDS, this.config.limits.idempotencyRetentionMs / 1000],
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

  /** Deletes every expired key, in batches (the periodic retention job; CORRAL_IDEMPOTENCY_RETENTION). */
  async pruneExpired(): Promise<number> {
    let pruned = 0;
    for (;;) {
      const result: [unknown[], number] = await this.dataSource.query(
        `DELETE FROM idempotency_keys WHERE (principal_id, key) IN (SELECT principal_id, key FROM idempotency_keys WHERE expires_at < now() LIMIT $1)`,
        [PRUNE_BATCH],
      );
      pruned += result[1];
      if (result[1] < PRUNE_BATCH) return pruned;
    }
  }
}
