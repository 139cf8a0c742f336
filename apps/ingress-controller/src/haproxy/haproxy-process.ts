import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/**
 * HAProxy in master-worker mode (`-W -S <master socket>`), the child of this controller. Reloads
 * go through the master socket (the master starts a new worker that takes over the listening
 * sockets, the old one finishes its connections: no request is lost); server changes through
 * the worker's runtime API (stats socket).
 */
export class HaproxyProcess {
  private child: ChildProcess | null = null;
  private stopping = false;

  constructor(
    private readonly binary: string,
    private readonly configFile: string,
    private readonly masterSocket: string,
    private readonly adminSocket: string,
    /** the master exited without stop() */
    private readonly onExit: (code: number | null, signal: NodeJS.Signals | null) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the master and resolves once its worker answers on the runtime API. */
  async start(): Promise<void> {
    const child = spawn(this.binary, ['-W', '-S', `${this.masterSocket},mode,600`, '-f', this.configFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    child.on('exit', (code, signal) => {
      this.child = null;
      if (!this.stopping) this.onExit(code, signal);
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (!this.child) throw new Error(`${this.binary} exited at start (its errors are in this log)`);
      try {
        await this.runtime('show info');
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`haproxy's runtime API did not answer within 10 s: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Hitless reload through the master socket; resolves when the new worker answers. */
  async reload(): Promise<void> {
    const before = await this.workerPid();
    await socketCommand(this.masterSocket, 'reload');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const pid = await this.workerPid().catch(() => before);
      if (pid !== before) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('haproxy reload: no new worker within 10 s (the configuration is probably invalid; see this log)');
  }

  /** Runs runtime API commands on the current worker; rejects with HAProxy's answer when one fails. */
  async apply(commands: readonly string[]): Promise<void> {
    for (const command of commands) {
      const answer = (await this.runtime(command)).trim();
      // a successful "set server" answers nothing or a line that does not say No/Error/Unknown
      if (/^(No such|Unknown|Error|Require|Invalid)/i.test(answer)) throw new Error(`haproxy runtime API "${command}": ${answer}`);
    }
  }

  async workerPid(): Promise<number> {
    const info = await this.runtime('show info');
    const pid = /^Pid: (\d+)$/m.exec(info)?.[1];
    if (!pid) throw new Error('haproxy show info: no Pid');
    return Number(pid);
  }

  runtime(command: string): Promise<string> {
    return socketCommand(this.adminSocket, command);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    // SIGUSR1 is HAProxy's soft stop: workers finish their connections (hard-stop-after bounds it)
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGUSR1');
    const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  }
}

function socketCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error(`${path}: no answer to "${command}" within 5 s`)));
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
