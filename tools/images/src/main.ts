#!/usr/bin/env node
// Builds Corral's OCI image archives (no registry needed: import them into containerd).
//   node dist/tools/images/src/main.js build --out DIR [--busybox PATH]
// stdout: one archive path per line; progress and sizes on stderr. Exit 1 on error, 2 on usage.
//   ctr -n k8s.io images import DIR/pause_3.10.tar
import { buildCorralImages } from './build';
import { MissingPrerequisiteError } from './toolchain';

const USAGE = 'usage: main.js build --out DIR [--busybox PATH]';

function parse(argv: string[]): { outDir: string; busyboxPath?: string } | undefined {
  const [command, ...rest] = argv;
  if (command !== 'build') return undefined;
  let outDir: string | undefined;
  let busyboxPath: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = (): string | undefined => (arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i]);
    if (arg === '--out' || arg.startsWith('--out=')) outDir = value();
    else if (arg === '--busybox' || arg.startsWith('--busybox=')) busyboxPath = value();
    else return undefined;
  }
  return outDir ? { outDir, busyboxPath } : undefined;
}

export function main(argv: string[]): number {
  const args = parse(argv);
  if (!args) {
    console.error(USAGE);
    return 2;
  }
  try {
    const result = buildCorralImages(args);
    for (const img of result.images) {
      console.error(
        `[images] ${img.name}: ${img.file} ${(img.size / 1024).toFixed(0)} KiB sha256:${img.sha256.slice(0, 12)} ` +
          `(${img.written ? 'written' : 'unchanged'})`,
      );
    }
    console.error(`[images] manifest: ${result.manifestPath}`);
    for (const img of result.images) console.log(img.path);
    return 0;
  } catch (err) {
    const e = err as Error;
    console.error(`[images] error: ${err instanceof MissingPrerequisiteError ? e.message : (e.stack ?? e.message)}`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
