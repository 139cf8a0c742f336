import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { readProcStat } from '../../src/supervisor/proc-stat';

/** A random loopback address, so parallel test runs on this machine do not share ports. */
export function randomLoopback(): string {
  return `127.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
}

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** Live pids whose command line contains `needle` (e.g. a unique temp path). */
export function pidsWithCmdline(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle) && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // raced with its exit
    }
  }
  return pids;
}

/** SIGKILL to each pid's process group and the pid itself; ignores what is already gone. */
export function killGroups(pids: Iterable<number>): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
