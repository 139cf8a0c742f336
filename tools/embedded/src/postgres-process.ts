// Runs the embedded PostgreSQL in a process of its own, so the launcher decides when it stops:
// after the agents and the server, not when Ctrl-C reaches the terminal's process group.
import { startEmbeddedPostgres } from './embedded-postgres';

const [dataRoot, port] = process.argv.slice(2);
startEmbeddedPostgres(dataRoot, Number(port))
  .then((pg) => {
    process.stdout.write(`ready ${pg.url}\n`);
    // embedded-postgres stops the cluster itself on SIGTERM/SIGINT (its exit hook)
    setInterval(() => undefined, 1 << 30);
  })
  .catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
