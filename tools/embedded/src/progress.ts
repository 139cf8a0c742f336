/** Step-by-step progress for people (spinner on a terminal) and plain lines for logs. */
export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  private timer: NodeJS.Timeout | null = null;
  private started = 0;
  private label = '';
  private active = false;

  /**
   * Runs one step. `spinner: false` for work that writes its own lines (a long build's
   * progress on stderr): the step then opens with a plain line instead of a spinner.
   */
  async step<T>(label: string, work: () => T | Promise<T>, opts: { spinner?: boolean } = {}): Promise<T> {
    this.begin(label, opts.spinner !== false);
    try {
      const result = await work();
      this.end('✔');
      return result;
    } catch (err) {
      this.end('✖');
      throw err;
    }
  }

  /** Ends the running step now (Ctrl-C): its spinner stops and it is marked interrupted. */
  interrupt(): void {
    if (this.active) this.end('✖', ' interrupted');
  }

  /** A line under the current step (e.g. an event), without breaking the spinner. */
  note(text: string): void {
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}    ${text}\n`);
  }

  private begin(label: string, spinner: boolean): void {
    this.label = label;
    this.started = Date.now();
    this.active = true;
    if (!this.tty || !spinner) {
      process.stdout.write(`… ${label}\n`);
      return;
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let i = 0;
    this.timer = setInterval(() => {
      process.stdout.write(`\r${frames[i++ % frames.length]} ${label} (${this.elapsed()})`);
    }, 100);
  }

  private end(mark: string, suffix = ''): void {
    if (!this.active) return;
    this.active = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}${mark} ${this.label} (${this.elapsed()})${suffix}\n`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }
}
