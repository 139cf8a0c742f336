#!/usr/bin/env node
// The path aliases have one source, tsconfig.base.json: the build runs this first to write them
// into .swcrc (swc reads only its own file); jest.config.js reads tsconfig.base.json itself.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo-root.mjs';

const { paths } = JSON.parse(readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const file = join(ROOT, '.swcrc');
const swcrc = JSON.parse(readFileSync(file, 'utf8'));
if (JSON.stringify(swcrc.jsc.paths) !== JSON.stringify(paths)) {
  swcrc.jsc.paths = paths;
  writeFileSync(file, `${JSON.stringify(swcrc, null, 2)}\n`);
  console.error('.swcrc: path aliases updated from tsconfig.base.json');
}
