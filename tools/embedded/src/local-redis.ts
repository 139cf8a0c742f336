import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import { createConnection } from 'node:net';

/** True when something answers a Redis PING at host:port. */
export function redisAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

export function findOnPath(binary: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Starts a throwaway redis-server (no persistence) on loopback. */
export async function startRedisServer(binary: string, port: number): Promise<ChildProcess> {
  const child = spawn(binary, ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let failure: string | null = null;
  child.once('error', (err) => (failure = err.message));
  child.once('exit', (code, signal) => (failure ??= `it exited (${code ?? signal})`));
  for (let i = 0; i < 50 && !failure; i++) {
    if (await redisAnswers('127.0.0.1', port)) {
      // from now on its output is not needed
      child.stdout!.removeListener('data', keep).resume();
      child.stderr!.removeListener('data', keep).resume();
      return child;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  const last = output.trim().split('\n').slice(-5).join('\n');
  throw new Error(`${binary} did not answer on 127.0.0.1:${port}${failure ? `: ${failure}` : ''}${last ? `\n${last}` : ''}`);
}
