#!/usr/bin/env node
// Prints, one per line, today's paths of the test suites that existed at a commit (following the
// renames and moves since, e.g. a spec that became a service test), except the real tier's: the
// set to time against that commit (issue 15's speed goal compares "the tests that exist today").
//   node tools/testing/run-tiers.mjs unit service cluster -- $(node tools/testing/suites-at.mjs 3761ca3)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo-root.mjs';

const commit = process.argv[2];
if (!commit) {
  console.error('usage: suites-at.mjs <commit>');
  process.exit(2);
}
const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
const isSuite = (path) => /\.(test|spec)\.ts$/.test(path) && !path.includes('/test/real/');
const renamed = new Map();
for (const line of git('diff', '-M30%', '--name-status', commit, 'HEAD').split('\n')) {
  const [status, from, to] = line.split('\t');
  if (status?.startsWith('R')) renamed.set(from, to);
}
const then = git('ls-tree', '-r', '--name-only', commit).split('\n').filter(isSuite);
const now = [...new Set(then.map((path) => renamed.get(path) ?? path))].filter((path) => existsSync(join(ROOT, path)));
const gone = then.filter((path) => !now.includes(renamed.get(path) ?? path));
if (gone.length) console.error(`no longer there (deleted, their tests moved or dropped): ${gone.join(', ')}`);
console.log(now.sort().join('\n'));
