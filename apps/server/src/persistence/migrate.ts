// CLI: applies pending migrations (nx run server:migrate / npm run migrate).
import { loadConfig } from '../config/load-config';
import { runMigrations } from './run-migrations';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const applied = await runMigrations(config.databaseUrl, config.databaseSchema);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
