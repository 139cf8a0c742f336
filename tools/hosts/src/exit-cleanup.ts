import * as vm from 'node:vm';

type Cleanup = () => void;

// Jest hands each test file a copy of `process` whose events never fire (its EventEmitter
// is re-initialised), so listeners go on the real one, taken from the main context.
const realProcess = vm.runInThisContext('process') as NodeJS.Process;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const cleanups = new Set<Cleanup>();
let installed = false;

function runAll(): void {
  for (const fn of [...cleanups]) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the next cleanup still runs, and `sweep` catches the rest
    }
  }
}

function onExit(): void {
  runAll();
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  // With our listener gone, re-raising gives the default action (or the app's own handler).
  if (realProcess.listenerCount(signal) === 0) realProcess.kill(realProcess.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  realProcess.on('exit', onExit);
  for (const s of SIGNALS) realProcess.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  realProcess.removeListener('exit', onExit);
  for (const s of SIGNALS) realProcess.removeListener(s, onSignal);
}

/**
 * Runs `fn` synchronously if the process exits or gets SIGINT/SIGTERM/SIGHUP before the
 * returned function is called. SIGKILL cannot be caught: `sweep` covers that case.
 */
export function onProcessExit(fn: Cleanup): () => void {
  cleanups.add(fn);
  install();
  return () => {
    cleanups.delete(fn);
    if (cleanups.size === 0) uninstall();
  };
}
