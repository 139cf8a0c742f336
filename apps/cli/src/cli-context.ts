import type { CorralClient } from './client/corral-client';
import type { OutputFormat } from './output/output-format';
import type { TransportFlags } from './config/cli-config';

/** Everything a command touches outside itself, so commands run the same under tests. */
export interface CliIo {
  stdout: { write(text: string): void; isTTY: boolean };
  stderr: { write(text: string): void; isTTY: boolean };
  env: Record<string, string | undefined>;
  home: string;
  /** all of stdin (for `corral login` in pipelines) */
  readStdin(): Promise<string>;
  /** asks on the terminal without echo */
  promptSecret(question: string): Promise<string>;
  /** calls handler on SIGINT and SIGTERM; returns a function that stops listening */
  onInterrupt(handler: () => void): () => void;
}

export interface CliContext {
  io: CliIo;
  now(): number;
  /** the API client for --server / CORRAL_URL / the config file and CORRAL_TOKEN / the config file */
  client(): CorralClient;
  format(): OutputFormat;
  /** prints the result: the object as JSON/YAML, or the table */
  print(value: unknown, table: () => string): void;
  configFile(): string;
  /** --server as given */
  serverFlag(): string | undefined;
  /** --server, --ca-file and --insecure-http as given */
  transportFlags(): TransportFlags;
}
