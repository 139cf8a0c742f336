import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OCI image archives kept by the server for hosts to import into containerd (no registry), in
 * chunks of a few MiB each checksummed: one bytea of hundreds of MiB would exceed what
 * PostgreSQL (1 GB per value, twice that as hex text) and Node (a string of 512 MiB) can move
 * in one piece. And what each host's agent last reported about them.
 */
export class Images1764190000000 implements MigrationInterface {
  name = 'Images1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE images (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        manifest_digest text NOT NULL,
        source text NOT NULL CHECK (source IN ('bundled', 'uploaded')),
        chunk_count int NOT NULL CHECK (chunk_count >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE image_chunks (
        image_id uuid NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        seq int NOT NULL CHECK (seq >= 0),
        sha256 text NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (image_id, seq)
      )`);
    // image layers are compressed already: store out of line without trying again
    await q.query(`ALTER TABLE image_chunks ALTER COLUMN data SET STORAGE EXTERNAL`);
    await q.query(`
      CREATE TABLE host_images (
        host_id uuid PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,
        images jsonb NOT NULL DEFAULT '[]',
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS host_images`);
    await q.query(`DROP TABLE IF EXISTS image_chunks`);
    await q.query(`DROP TABLE IF EXISTS images`);
  }
}
