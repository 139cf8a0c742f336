// Runs the embedded PostgreSQL in a process of its own, so the launcher decides when it stops:
// after the agents and the server, not when Ctrl-C reaches the terminal's process group.
// Prints "ready <url>" once it accepts connections; SIGTERM or SIGINT stops it (fast shutdown).
import { startEmbeddedPostgres } from './embedded-postgres';

const [dataRoot, port] = process.argv.slice(2);
const started = startEmbeddedPostgres(dataRoot, Number(port));
let stopping = false;

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  try {
    await (await started).stop();
  } catch {
    // it did not start: nothing to stop
  }
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

started
  .then((pg) => {
    process.stdout.write(`ready ${pg.url}\n`);
    void pg.exited.then((result) => {
      if (stopping) return;
      process.stderr.write(`embedded PostgreSQL stopped on its own (${result}); its log: ${dataRoot}/postgres.log\n`);
      process.exit(1);
    });
  })
  .catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
