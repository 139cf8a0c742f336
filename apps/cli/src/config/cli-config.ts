import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serverUrlProblem } from '@corral/domain';
import { UsageError } from '../exit-codes';

/** What `corral login` stores. */
export interface StoredConfig {
  server?: string;
  token?: string;
  /** the server's CA (PEM file), as `corral login --ca-file` stored it */
  caFile?: string;
  /** plain http:// accepted (loopback development only) */
  insecureHttp?: boolean;
}

export interface Connection {
  server: string;
  token: string;
  caFile: string | null;
}

export interface TransportFlags {
  server?: string;
  caFile?: string;
  insecureHttp?: boolean;
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
  return {
    ...(typeof config.server === 'string' ? { server: config.server } : {}),
    ...(typeof config.token === 'string' ? { token: config.token } : {}),
    ...(typeof config.caFile === 'string' ? { caFile: config.caFile } : {}),
    ...(config.insecureHttp === true ? { insecureHttp: true } : {}),
  };
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
export function resolveConnection(flags: TransportFlags, env: Record<string, string | undefined>, stored: StoredConfig): Connection {
  const server = flags.server ?? env.CORRAL_URL ?? stored.server;
  if (!server) throw new UsageError('no Corral server: run `corral login --server URL`, or set CORRAL_URL');
  const token = env.CORRAL_TOKEN ?? stored.token;
  if (!token) throw new UsageError('no API key: run `corral login`, or set CORRAL_TOKEN');
  const transport = resolveTransport(flags, env, stored);
  return { server: normalizeServer(server, transport.insecureHttp), token, caFile: transport.caFile };
}

/** --ca-file, else CORRAL_CA_FILE, else the config file; --insecure-http, CORRAL_INSECURE_HTTP or the config file. */
export function resolveTransport(flags: TransportFlags, env: Record<string, string | undefined>, stored: StoredConfig): { caFile: string | null; insecureHttp: boolean } {
  const insecureEnv = ['1', 'true', 'yes'].includes((env.CORRAL_INSECURE_HTTP ?? '').toLowerCase());
  return { caFile: flags.caFile ?? env.CORRAL_CA_FILE ?? stored.caFile ?? null, insecureHttp: Boolean(flags.insecureHttp) || insecureEnv || stored.insecureHttp === true };
}

/** The server URL without a trailing slash; plain http:// only on the loopback with --insecure-http. */
export function normalizeServer(server: string, insecureHttp = false): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`server "${server}" is not a URL (e.g. https://corral.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`server "${server}" must be an http or https URL`);
  const problem = serverUrlProblem(url, { insecureHttp });
  if (problem) throw new UsageError(problem);
  return url.toString().replace(/\/+$/, '');
}
