import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync, writeSync, fstatSync } from 'node:fs';

export interface LogRotationOptions {
  maxBytes: number;
  /** rotated files kept: <log>.1 (newest) .. <log>.<keep> (oldest) */
  keep: number;
}

export const DEFAULT_LOG_ROTATION: LogRotationOptions = { maxBytes: 10 * 1024 * 1024, keep: 3 };

/** The renames that shift <log>.1.. one place up, oldest first, dropping what falls off the end. */
export function rotationRenames(path: string, keep: number): Array<{ from: string; to: string }> {
  const renames: Array<{ from: string; to: string }> = [];
  for (let i = keep - 1; i >= 1; i--) renames.push({ from: `${path}.${i}`, to: `${path}.${i + 1}` });
  return renames;
}

/**
 * A component's combined stdout/stderr log. The process writes to the file itself (it gets an
 * O_APPEND descriptor), so it keeps logging while the agent is down or restarting and an adopted
 * process keeps its log. Rotation therefore copies and truncates in place instead of renaming
 * the live file: O_APPEND writers carry on at the new end.
 */
export class RotatingLogFile {
  constructor(
    readonly path: string,
    private readonly options: LogRotationOptions = DEFAULT_LOG_ROTATION,
  ) {}

  /** A fresh O_APPEND descriptor for a child's stdout and stderr; the caller closes it after spawn. */
  openForChild(): number {
    return openSync(this.path, 'a', 0o640);
  }

  appendLine(line: string): void {
    const fd = openSync(this.path, 'a', 0o640);
    try {
      writeSync(fd, line.endsWith('\n') ? line : `${line}\n`);
    } finally {
      closeSync(fd);
    }
  }

  /** Rotates when the live file exceeds maxBytes; returns whether it did. */
  rotateIfNeeded(): boolean {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return false;
    }
    if (size <= this.options.maxBytes) return false;
    if (this.options.keep < 1) {
      truncateSync(this.path, 0);
      return true;
    }
    rmSync(`${this.path}.${this.options.keep}`, { force: true });
    for (const { from, to } of rotationRenames(this.path, this.options.keep)) {
      if (existsSync(from)) renameSync(from, to);
    }
    copyFileSync(this.path, `${this.path}.1`);
    truncateSync(this.path, 0);
    return true;
  }

  /** The last `count` non-empty lines of the live file (reads at most the last 64 KiB). */
  tail(count: number): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n').filter((l) => l.trim() !== '');
      // the first line may be cut in the middle when we did not read from the start
      if (length < size && lines.length > count) lines.shift();
      return lines.slice(-count);
    } finally {
      closeSync(fd);
    }
  }

  /** Removes the live file and every rotated one. */
  remove(): void {
    rmSync(this.path, { force: true });
    for (let i = 1; i <= this.options.keep; i++) rmSync(`${this.path}.${i}`, { force: true });
  }
}
