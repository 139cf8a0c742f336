import type { Client } from 'pg';
import type { ComponentSpec } from '@corral/contracts';
import { SecretBox, environmentContext } from '../crypto/secret-box';
import { rewrapSpec, specContext, specNeedsRewrap } from '../components/sealed-spec';
import type { ObjectStore } from '../snapshots/object-store';
import { openSealedSnapshot, putSealedSnapshot } from '../snapshots/sealed-snapshot-objects';

export interface RewrapProgress {
  /** what is being re-sealed, e.g. 'environment secrets' */
  what: string;
  done: number;
  total: number;
}

/** One kind of sealed value: which rows may need a rewrap, and how to rewrap one (under its row lock). */
export interface RewrapStep {
  what: string;
  /** ids of the rows to look at */
  candidates(db: Client): Promise<string[]>;
  /**
   * Re-seals one row under the newest key inside a transaction holding its lock; false when it
   * needed nothing, or what to do once the transaction has committed (remove what it replaced).
   */
  rewrapOne(db: Client, id: string): Promise<boolean | { afterCommit: () => Promise<void> }>;
}

/** environments.secrets_encrypted (CAs, leaf certificates), bound to the environment id. */
export function environmentSecretsStep(box: SecretBox): RewrapStep {
  return {
    what: 'environment secrets',
    candidates: async (db) => (await db.query<{ id: string }>('SELECT id FROM environments WHERE secrets_encrypted IS NOT NULL ORDER BY id')).rows.map((r) => r.id),
    async rewrapOne(db, id) {
      const { rows } = await db.query<{ sealed: string | null }>('SELECT secrets_encrypted AS sealed FROM environments WHERE id = $1 FOR UPDATE', [id]);
      const sealed = rows[0]?.sealed;
      if (!sealed || !box.needsRewrap(sealed)) return false;
      const context = environmentContext(id);
      await db.query('UPDATE environments SET secrets_encrypted = $2 WHERE id = $1', [id, box.seal(box.open(sealed, context), context)]);
      return true;
    },
  };
}

/** ca_rotations.new_ca_encrypted (a rotation's new CA until it becomes the environment's), bound to the environment id. */
export function caRotationsStep(box: SecretBox): RewrapStep {
  return {
    what: 'CA rotations',
    candidates: async (db) => (await db.query<{ id: string }>('SELECT id FROM ca_rotations WHERE new_ca_encrypted IS NOT NULL ORDER BY id')).rows.map((r) => r.id),
    async rewrapOne(db, id) {
      const { rows } = await db.query<{ sealed: string | null; environment_id: string }>('SELECT new_ca_encrypted AS sealed, environment_id FROM ca_rotations WHERE id = $1 FOR UPDATE', [id]);
      const sealed = rows[0]?.sealed;
      if (!sealed || !box.needsRewrap(sealed)) return false;
      const context = environmentContext(rows[0].environment_id);
      await db.query('UPDATE ca_rotations SET new_ca_encrypted = $2 WHERE id = $1', [id, box.seal(box.open(sealed, context), context)]);
      return true;
    },
  };
}

/** components.spec: secret files sealed (also those written in plain text before specs were sealed). */
export function componentSpecsStep(box: SecretBox): RewrapStep {
  return {
    what: 'component specs',
    candidates: async (db) => (await db.query<{ id: string }>('SELECT id FROM components ORDER BY id')).rows.map((r) => r.id),
    async rewrapOne(db, id) {
      const { rows } = await db.query<{ spec: ComponentSpec; environment_id: string | null; host_id: string }>('SELECT spec, environment_id, host_id FROM components WHERE id = $1 FOR UPDATE', [id]);
      const row = rows[0];
      if (!row || !specNeedsRewrap(row.spec, box)) return false;
      // the spec hash is of the opened spec, so it stays as it is: no component restarts
      await db.query('UPDATE components SET spec = $2 WHERE id = $1', [id, JSON.stringify(rewrapSpec(row.spec, box, specContext(row.environment_id, row.host_id)))]);
      return true;
    },
  };
}

/**
 * etcd snapshots: objects sealed under an older key are sealed again into a new object (the old
 * one is removed once the row points at the new one); snapshots an earlier version kept in the
 * table, unsealed, move into the store and leave the table.
 */
export function snapshotsStep(box: SecretBox, objects: ObjectStore): RewrapStep {
  return {
    what: 'etcd snapshots',
    candidates: async (db) =>
      (
        await db.query<{ id: string }>(
          `SELECT id FROM etcd_snapshots WHERE state = 'completed' AND ((storage_key IS NULL AND data IS NOT NULL) OR sealed_key_id IS DISTINCT FROM $1) ORDER BY created_at`,
          [box.newestKeyId],
        )
      ).rows.map((r) => r.id),
    async rewrapOne(db, id) {
      const { rows } = await db.query<{ environment_id: string; storage_key: string | null; sealed_key_id: string | null; sha256: string | null }>(
        `SELECT environment_id, storage_key, sealed_key_id, sha256 FROM etcd_snapshots WHERE id = $1 AND state = 'completed' FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (!row || (row.storage_key && row.sealed_key_id === box.newestKeyId)) return false;
      const legacy = async () => (await db.query<{ data: Buffer | null }>('SELECT data FROM etcd_snapshots WHERE id = $1', [id])).rows[0]?.data ?? null;
      const opened = await openSealedSnapshot(objects, box, { id, environmentId: row.environment_id, storageKey: row.storage_key, sha256: row.sha256 }, legacy);
      const stored = await putSealedSnapshot(objects, box, { environmentId: row.environment_id, snapshotId: id }, opened);
      if (stored.sha256 !== row.sha256) throw new Error(`its data no longer matches its SHA-256 (${stored.sha256}, ${row.sha256} recorded)`);
      await db.query('UPDATE etcd_snapshots SET storage_key = $2, sealed_key_id = $3, size_bytes = $4, data = NULL WHERE id = $1', [id, stored.storageKey, stored.sealedKeyId, stored.sizeBytes]);
      const replaced = row.storage_key;
      return { afterCommit: async () => (replaced && replaced !== stored.storageKey ? objects.delete(replaced) : undefined) };
    },
  };
}

/**
 * Re-seals every sealed value under the newest key, one row per transaction (a running server
 * keeps working meanwhile; a row it writes concurrently waits for the lock). Safe to run again:
 * what is already under the newest key is left alone. Returns how many rows were re-sealed.
 */
export async function rewrapAll(db: Client, steps: RewrapStep[], onProgress: (p: RewrapProgress) => void): Promise<Record<string, number>> {
  const rewrapped: Record<string, number> = {};
  for (const step of steps) {
    const ids = await step.candidates(db);
    rewrapped[step.what] = 0;
    onProgress({ what: step.what, done: 0, total: ids.length });
    for (const [i, id] of ids.entries()) {
      await db.query('BEGIN');
      let result: Awaited<ReturnType<RewrapStep['rewrapOne']>>;
      try {
        result = await step.rewrapOne(db, id);
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK');
        throw new Error(`${step.what} ${id}: ${(err as Error).message}`);
      }
      if (result) rewrapped[step.what]++;
      if (typeof result === 'object') await result.afterCommit();
      onProgress({ what: step.what, done: i + 1, total: ids.length });
    }
  }
  return rewrapped;
}
