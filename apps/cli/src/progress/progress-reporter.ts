import type { StreamItem } from '../client/event-stream';
import { elapsed } from '../output/relative-time';
import { ProgressModel, Step } from './progress-model';

export interface ProgressReporter {
  onItem(item: StreamItem): void;
  /** final line; stops any animation */
  finish(summary: string): void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 100;

/** CI logs and pipes: one timestamped line per event, nothing redrawn. */
export function plainProgress(write: (text: string) => void, now: () => number = Date.now): ProgressReporter {
  const started = now();
  const model = new ProgressModel(started);
  const stamp = () => `[${elapsed(now() - started).padStart(7)}]`;
  return {
    onItem(item) {
      const line = model.apply(item, now());
      if (line) write(`${stamp()} ${line}\n`);
    },
    finish(summary) {
      write(`${stamp()} ${summary}\n`);
    },
  };
}

/** A terminal: a spinner with the state and elapsed time over one line per step, redrawn in place. */
export function ttyProgress(name: string, write: (text: string) => void, now: () => number = Date.now): ProgressReporter {
  const started = now();
  const model = new ProgressModel(started);
  let frame = 0;
  let drawnLines = 0;
  const draw = (final?: string) => {
    const lines = renderSteps(name, model, now() - started, SPINNER[frame % SPINNER.length], final);
    write(`${drawnLines ? `\x1b[${drawnLines}A\r\x1b[J` : ''}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  const timer = setInterval(() => {
    frame++;
    draw();
  }, FRAME_MS);
  timer.unref();
  draw();
  return {
    onItem(item) {
      model.apply(item, now());
      draw();
    },
    finish(summary) {
      clearInterval(timer);
      draw(summary);
    },
  };
}

const MARK: Record<Step['status'], string> = { waiting: '·', working: '', done: '✓', failed: '✗' };

/** The lines of the terminal view (pure, for tests). */
export function renderSteps(name: string, model: ProgressModel, elapsedMs: number, spinner: string, final?: string): string[] {
  const head = final ?? `${spinner} ${name}  ${model.state}  ${elapsed(elapsedMs)}`;
  const width = Math.max(...model.steps.map((s) => s.label.length));
  return [
    head,
    ...model.steps.map((s) => {
      const mark = s.status === 'working' ? (final ? '·' : spinner) : MARK[s.status];
      const tail = s.status === 'done' ? elapsed(s.doneAtMs ?? 0) : (s.detail ?? '');
      return `  ${mark} ${s.label.padEnd(width)}  ${tail}`.trimEnd();
    }),
  ];
}
