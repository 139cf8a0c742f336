/** Step-by-step progress for people (spinner on a terminal) and plain lines for logs. */
export class Progress {
  private readonly tty = Boolean(process.stdout.isTTY);
  private timer: NodeJS.Timeout | null = null;
  private started = 0;
  private label = '';

  async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    this.begin(label);
    try {
      const result = await work();
      this.end('✔');
      return result;
    } catch (err) {
      this.end('✖');
      throw err;
    }
  }

  /** A line under the current step (e.g. an event), without breaking the spinner. */
  note(text: string): void {
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}    ${text}\n`);
  }

  private begin(label: string): void {
    this.label = label;
    this.started = Date.now();
    if (!this.tty) {
      process.stdout.write(`… ${label}\n`);
      return;
    }
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let i = 0;
    this.timer = setInterval(() => {
      process.stdout.write(`\r${frames[i++ % frames.length]} ${label} (${this.elapsed()})`);
    }, 100);
  }

  private end(mark: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    process.stdout.write(`${this.tty ? '\r\x1b[K' : ''}${mark} ${this.label} (${this.elapsed()})\n`);
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }
}
