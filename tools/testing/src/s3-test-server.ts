import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, freePort } from '@corral/test-hosts';

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** where the bucket's objects lie on disk (versitygw's posix backend: one file per object) */
  bucketDir: string;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server for tests: versitygw (built once through the Go module proxy by
 * tools/s3-test-server/build.sh) on a free loopback port with its posix backend in a temporary
 * directory, one bucket, and credentials it checks (Signature V4). Used by the S3 store's tests
 * and by `npm run bench:snapshot-scale -- --store s3`.
 */
export async function startS3TestServer(): Promise<S3TestServer> {
  const binary = execFileSync('bash', [join(REPO, 'tools/s3-test-server/build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const root = mkdtempSync(join(tmpdir(), 'corral-s3-'));
  const bucket = 'corral-snapshots';
  mkdirSync(join(root, bucket));
  const port = await freePort();
  const accessKeyId = `corral${randomBytes(4).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const child: ChildProcess = spawn(binary, ['--access', accessKeyId, '--secret', secretAccessKey, '--port', `127.0.0.1:${port}`, 'posix', root], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(endpoint).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`versitygw did not start (exit ${child.exitCode})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    bucketDir: join(root, bucket),
    async stop() {
      child.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    },
  };
}
