import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transformFileSync } from '@swc/core';

/** Compiles the harness sources to plain CommonJS in a temp dir, for child processes. */
export function compileHarness(): string {
  const src = path.join(__dirname, '../src');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-hosts-dist-'));
  for (const file of fs.readdirSync(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts')) continue;
    const { code } = transformFileSync(path.join(src, file), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
      module: { type: 'commonjs' },
    });
    fs.writeFileSync(path.join(out, file.replace(/\.ts$/, '.js')), code);
  }
  return out;
}
