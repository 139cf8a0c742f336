/** klog-style lines on stderr: `I1126 07:01:19.123456  1234 component] message`. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** verbose: printed only when --v is at least `level` */
  v(level: number, message: string): void;
}

function stamp(severity: string, now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${severity}${p(now.getMonth() + 1)}${p(now.getDate())} ${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}.${p(now.getMilliseconds() * 1000, 6)} ${String(process.pid).padStart(7)}`;
}

export function createLogger(component: string, verbosity: number, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const line = (severity: string, message: string) => write(`${stamp(severity)} ${component}] ${message}\n`);
  return {
    info: (m) => line('I', m),
    warn: (m) => line('W', m),
    error: (m) => line('E', m),
    v: (level, m) => {
      if (verbosity >= level) line('I', m);
    },
  };
}
