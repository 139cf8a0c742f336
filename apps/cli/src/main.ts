import { homedir } from 'node:os';
import { runCli } from './cli';
import type { CliIo } from './cli-context';

let interrupts = 0;
const io: CliIo = {
  stdout: { write: (text) => void process.stdout.write(text), isTTY: Boolean(process.stdout.isTTY) },
  stderr: { write: (text) => void process.stderr.write(text), isTTY: Boolean(process.stderr.isTTY) },
  env: process.env,
  home: homedir(),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  promptSecret: (question) =>
    new Promise((resolve) => {
      process.stderr.write(question);
      const stdin = process.stdin;
      let answer = '';
      stdin.setRawMode?.(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const onData = (chars: string) => {
        for (const ch of chars) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            stdin.setRawMode?.(false);
            stdin.pause();
            process.stderr.write('\n');
            return resolve(answer);
          }
          if (ch === '\u0003') process.exit(130);
          answer = ch === '\u007f' ? answer.slice(0, -1) : answer + ch;
        }
      };
      stdin.on('data', onData);
    }),
  onInterrupt: (handler) => {
    const onSignal = () => {
      // the second Ctrl-C means "now"
      if (++interrupts > 1) process.exit(130);
      handler();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  },
};

/** Exits once output is flushed; a keep-alive socket left open cannot hold the exit up for long. */
function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1000).unref();
}

runCli(process.argv.slice(2), io).then(finish, (err: unknown) => {
  process.stderr.write(`corral: ${(err as Error)?.stack ?? String(err)}\n`);
  finish(1);
});
