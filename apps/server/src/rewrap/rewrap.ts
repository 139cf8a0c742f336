// CLI: re-seals every secret at rest under the newest of CORRAL_SECRET_KEYS (npm run rewrap).
import { Client } from 'pg';
import { loadConfig } from '../config/load-config';
import { SecretBox } from '../crypto/secret-box';
import { createObjectStore } from '../snapshots/create-object-store';
import { caRotationsStep, componentSpecsStep, environmentSecretsStep, rewrapAll, snapshotsStep } from './rewrap-secrets';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const box = new SecretBox(config.secretKeys);
  const objects = createObjectStore(config.snapshotStore);
  const db = new Client({ connectionString: config.databaseUrl, options: `-c search_path=${config.databaseSchema}` });
  await db.connect();
  try {
    process.stdout.write(`re-sealing under key ${box.newestKeyId} (the first of ${box.keys.length} configured); snapshots in ${objects.description}\n`);
    let last = 0;
    const rewrapped = await rewrapAll(db, [environmentSecretsStep(box), caRotationsStep(box), componentSpecsStep(box), snapshotsStep(box, objects)], ({ what, done, total }) => {
      const now = Date.now();
      if (done === total || now - last > 1000) {
        last = now;
        process.stdout.write(`  ${what}: ${done}/${total}\n`);
      }
    });
    process.stdout.write(`done: ${Object.entries(rewrapped).map(([what, n]) => `${n} ${what} re-sealed`).join(', ')}; the older keys may now be removed from CORRAL_SECRET_KEYS\n`);
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  process.stderr.write(`rewrap failed: ${(err as Error).message}\n`);
  process.exit(1);
});
