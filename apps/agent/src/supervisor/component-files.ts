import type { FileSpec } from '@corral/contracts';
import { isAbsolute, relative, resolve } from 'node:path';
import { writeFileAtomic } from '../state-dir/atomic-write';

/** Where a spec file lands: relative paths are under componentDir, and nothing may escape it. */
export function componentFilePath(componentDir: string, path: string): string {
  const target = resolve(componentDir, path);
  const rel = relative(componentDir, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`file path ${JSON.stringify(path)} is outside the component directory`);
  }
  return target;
}

/** Writes every file atomically with its mode (placeholders in paths already expanded). */
export function writeComponentFiles(componentDir: string, files: readonly FileSpec[]): void {
  for (const file of files) {
    writeFileAtomic(componentFilePath(componentDir, file.path), file.content, file.mode);
  }
}
