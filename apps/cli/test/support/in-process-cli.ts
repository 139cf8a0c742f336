import { join } from 'node:path';
import { runCli } from '../../src/cli';
import type { CliIo } from '../../src/cli-context';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * `corral …` run in this process against a server (url and admin key read at each call, so a
 * suite may start its server in beforeAll), with `home` as its home and no config file.
 */
export function inProcessCli(target: () => { url: string; adminKey: string }, home: string): (...argv: string[]) => Promise<CliRun> {
  return async (...argv) => {
    const out: string[] = [];
    const err: string[] = [];
    const { url, adminKey } = target();
    const io: CliIo = {
      stdout: { write: (t) => void out.push(t), isTTY: false },
      stderr: { write: (t) => void err.push(t), isTTY: false },
      env: { CORRAL_URL: url, CORRAL_TOKEN: adminKey, CORRAL_CONFIG: join(home, 'none.json') },
      home,
      readStdin: async () => '',
      promptSecret: async () => '',
      onInterrupt: () => () => undefined,
    };
    const code = await runCli(argv, io);
    return { code, out: out.join(''), err: err.join('') };
  };
}
