import { loadConfig } from './config/load-config';
import { ConfigError } from './config/corral-config';
import { createServer, createWorker } from './create-server';

async function main(): Promise<void> {
  const config = loadConfig(process.env, process.argv.slice(2));
  if (config.role === 'worker') {
    await createWorker(config);
    return;
  }
  const app = await createServer(config);
  await app.listen(config.port, config.bindAddress);
  const address = app.getHttpServer().address();
  process.stdout.write(`corral server (${config.role}) listening on ${typeof address === 'object' && address ? `${address.address}:${address.port}` : config.port} (${config.tls ? 'HTTPS' : 'plain HTTP'})\n`);
  if (!config.tls) {
    process.stderr.write(
      'corral server: serving plain HTTP: agents and the CLI accept it only on the loopback with --insecure-http; set CORRAL_TLS_CERT_FILE and CORRAL_TLS_KEY_FILE to serve HTTPS\n',
    );
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`corral server failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
