#!/usr/bin/env node
// Runs test tiers one after another, each with its own parallelism (jest.config.js defines
// them), and ends with Jest's two summary lines for all of them together: .ci/run reads the
// last "Tests:" line. A tier's failure does not stop the next one, so the counts are complete.
//
//   node tools/testing/run-tiers.mjs [unit|service|cluster|real ...] [-- jest arguments, e.g. a path]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** unit and service run in parallel (2 workers: this machine's cores); tiers with clusters one suite at a time */
const TIERS = {
  unit: ['--maxWorkers=2'],
  service: ['--maxWorkers=2', '--forceExit'],
  cluster: ['--runInBand', '--forceExit'],
  real: ['--runInBand', '--forceExit'],
};

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = dash < 0 ? argv : argv.slice(0, dash);
const passThrough = dash < 0 ? [] : argv.slice(dash + 1);
const unknown = names.filter((n) => !(n in TIERS));
if (unknown.length) {
  console.error(`unknown tier ${unknown.join(', ')}; tiers: ${Object.keys(TIERS).join(', ')}`);
  process.exit(2);
}
const jest = createRequire(join(ROOT, 'package.json')).resolve('jest/bin/jest');
const dir = mkdtempSync(join(tmpdir(), 'corral-tiers-'));
const total = { suitesPassed: 0, suitesFailed: 0, passed: 0, failed: 0, skipped: 0 };
let status = 0;
for (const tier of names.length ? names : Object.keys(TIERS)) {
  const out = join(dir, `${tier}.json`);
  console.log(`\n=== ${tier} tier`);
  const run = spawnSync(process.execPath, [jest, '--selectProjects', tier, ...TIERS[tier], '--json', `--outputFile=${out}`, ...passThrough], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
  });
  if (run.status !== 0) status = 1;
  let result;
  try {
    result = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    total.suitesFailed++; // the tier did not get as far as a result: count it as a failed suite
    continue;
  }
  total.suitesPassed += result.numPassedTestSuites;
  total.suitesFailed += result.numFailedTestSuites + result.numRuntimeErrorTestSuites;
  total.passed += result.numPassedTests;
  total.failed += result.numFailedTests;
  total.skipped += result.numPendingTests + result.numTodoTests;
}
rmSync(dir, { recursive: true, force: true });
const line = (parts) => parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).concat([`${parts.reduce((s, [n]) => s + n, 0)} total`]).join(', ');
console.log(`\nTest Suites: ${line([[total.suitesFailed, 'failed'], [total.suitesPassed, 'passed']])}`);
console.log(`Tests:       ${line([[total.failed, 'failed'], [total.skipped, 'skipped'], [total.passed, 'passed']])}`);
process.exit(status);
