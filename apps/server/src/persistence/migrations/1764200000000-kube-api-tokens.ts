import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tokens of the kubeconfigs that reach an environment's Kubernetes API through the server
 * (/k8s/environments/{env}): issued to an API key for one environment, with that key's access
 * (read or write) at most; gone with the key or the environment. Only their hash is kept.
 */
export class KubeApiTokens1764200000000 implements MigrationInterface {
  name = 'KubeApiTokens1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE kube_api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        api_key_id uuid NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
        environment_id uuid NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
        secret_hash text NOT NULL UNIQUE,
        access text NOT NULL CHECK (access IN ('read', 'write')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX kube_api_tokens_expires_at ON kube_api_tokens (expires_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kube_api_tokens');
  }
}
