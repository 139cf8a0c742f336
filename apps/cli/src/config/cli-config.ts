import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../exit-codes';

/** What `corral login` stores. */
export interface StoredConfig {
  server?: string;
  token?: string;
}

export interface Connection {
  server: string;
  token: string;
}

/** $CORRAL_CONFIG, else $XDG_CONFIG_HOME/corral/config.json, else ~/.config/corral/config.json. */
export function configPath(env: Record<string, string | undefined>, home: string): string {
  if (env.CORRAL_CONFIG) return env.CORRAL_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'corral', 'config.json');
}

export function readConfig(path: string): StoredConfig {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`config file ${path} is not valid JSON (${(err as Error).message}); run corral login again`);
  }
  const config = parsed as StoredConfig;
  return { ...(typeof config.server === 'string' ? { server: config.server } : {}), ...(typeof config.token === 'string' ? { token: config.token } : {}) };
}

/** Writes the config readable by its owner only (0600, directory 0700), atomically. */
export function writeConfig(path: string, config: StoredConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** --server, else CORRAL_URL, else the config file; CORRAL_TOKEN, else the config file. */
export function resolveConnection(flags: { server?: string }, env: Record<string, string | undefined>, stored: StoredConfig): Connection {
  const server = flags.server ?? env.CORRAL_URL ?? stored.server;
  if (!server) throw new UsageError('no Corral server: run `corral login --server URL`, or set CORRAL_URL');
  const token = env.CORRAL_TOKEN ?? stored.token;
  if (!token) throw new UsageError('no API key: run `corral login`, or set CORRAL_TOKEN');
  return { server: normalizeServer(server), token };
}

export function normalizeServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`server "${server}" is not a URL (e.g. https://corral.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`server "${server}" must be an http or https URL`);
  return url.toString().replace(/\/+$/, '');
}
