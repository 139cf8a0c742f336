import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DATABASE_URL } from './test-server';

const execFileAsync = promisify(execFile);

/** Every way a value can show in a pg_dump: as text, base64 (Kubernetes Secret data in JSON), and bytea's hex of either. */
export function dumpEncodings(value: string): string[] {
  const base64 = Buffer.from(value).toString('base64');
  return [value, base64, Buffer.from(value).toString('hex'), Buffer.from(base64).toString('hex')];
}

/** A data-only pg_dump of one schema, as an attacker with a database backup would read it. */
export async function pgDumpSchema(schema: string): Promise<string> {
  const { stdout } = await execFileAsync('pg_dump', ['--dbname', DATABASE_URL, '--schema', schema, '--data-only'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  return stdout;
}
