#!/usr/bin/env node
// Runs test tiers one after another, each with its own parallelism (TIERS below; jest.config.js
// defines the tiers' suites), and ends with Jest's two summary lines for all of them together:
// .ci/run reads the last "Tests:" line. A tier's failure does not stop the next one, so the
// counts are complete.
//
//   node tools/testing/run-tiers.mjs [unit|service|cluster|real ...] [-- jest arguments, e.g. a path]
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './repo-root.mjs';

/**
 * A tier is one or more Jest runs (steps), each with its own parallelism and environment.
 * unit and service: 2 workers (this machine's cores). cluster: its suites mostly wait on timers
 * and processes (about two thirds of a core each on average), so they share the machine 2 at a
 * time (3 starved the stand-ins of a 2-core machine: kube-apiservers stopped answering), except
 * the groups jest.config.js lists in CLUSTER_GROUPS, which run first, one suite at a time: the
 * load tests, then the 4-host host-loss suites, and beside them (a second Jest run at the same
 * time, its output shown after theirs) the beside-host-loss suites. real: one at a time.
 * CORRAL_CLUSTER_WORKERS and CORRAL_HOST_LOSS_WORKERS set the shared and host-loss steps'
 * workers. Running the alone step beside the service tier, or the host-loss suites among the
 * shared ones, saturated the machine's two cores and waits timed out; two host-loss suites at a
 * time passed 4 of 5 runs (docs/benchmarks.md, "Test run time").
 */
const clusterWorkers = process.env.CORRAL_CLUSTER_WORKERS ?? '2';
const hostLossWorkers = process.env.CORRAL_HOST_LOSS_WORKERS ?? '1';
const TIERS = {
  unit: [{ args: ['--maxWorkers=2'] }],
  service: [{ args: ['--maxWorkers=2', '--forceExit'] }],
  cluster: [
    { step: 'alone', args: ['--runInBand', '--forceExit'], env: { CORRAL_CLUSTER_GROUP: 'alone' } },
    {
      step: 'host-loss',
      args: [`--maxWorkers=${hostLossWorkers}`, '--forceExit'],
      env: { CORRAL_CLUSTER_GROUP: 'host-loss' },
      beside: { step: 'beside-host-loss', args: ['--runInBand', '--forceExit'], env: { CORRAL_CLUSTER_GROUP: 'beside-host-loss' } },
    },
    { step: 'shared', args: [`--maxWorkers=${clusterWorkers}`, '--forceExit'], env: { CORRAL_CLUSTER_GROUP: 'shared' } },
  ],
  real: [{ args: ['--runInBand', '--forceExit'] }],
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
// every Node process the tests start (agents, stand-ins, Jest's workers) reuses V8's compiled code
const compileCache = process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'corral-node-compile-cache');
const jest = createRequire(join(ROOT, 'package.json')).resolve('jest/bin/jest');
// CORRAL_TIERS_JSON_DIR keeps each step's Jest JSON (per-suite start and end times) there
const keepDir = process.env.CORRAL_TIERS_JSON_DIR;
if (keepDir) mkdirSync(keepDir, { recursive: true });
const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'corral-tiers-'));
const total = { suitesPassed: 0, suitesFailed: 0, passed: 0, failed: 0, skipped: 0 };
let status = 0;

/**
 * Runs one Jest step; resolves, when it ends, to a function that reports it (its wall time). A step
 * run `quiet` (beside another) keeps its output in a file, which its report prints: the caller
 * reports it after the other step's, so that it does not land inside that one's live output.
 */
function runStep(tier, { step, args, env = {} }, quiet = false) {
  const label = step ? `${tier} tier, ${step}` : `${tier} tier`;
  const out = join(dir, `${tier}${step ? `-${step}` : ''}.json`);
  const log = join(dir, `${tier}${step ? `-${step}` : ''}.log`);
  console.log(`\n=== ${label}${quiet ? ' (started; its output follows the step beside it)' : ''}`);
  const started = Date.now();
  const logFd = quiet ? openSync(log, 'w') : null;
  // a step none of whose suites a path argument picks finds no tests: that is no failure
  const child = spawn(process.execPath, [jest, '--selectProjects', tier, ...args, ...(step ? ['--passWithNoTests'] : []), '--json', `--outputFile=${out}`, ...passThrough], {
    cwd: ROOT,
    stdio: quiet ? ['ignore', logFd, logFd] : 'inherit',
    env: { ...process.env, ...env, NODE_COMPILE_CACHE: compileCache, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
  });
  if (logFd !== null) closeSync(logFd);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (code !== 0) status = 1;
      count(out);
      const report = () => {
        if (quiet) {
          console.log(`\n=== ${label} (ran beside the step above)`);
          process.stdout.write(readFileSync(log, 'utf8'));
        }
        console.log(`=== ${label}: ${seconds} s`);
      };
      resolve(report);
    });
  });
}

/** A step and the step beside it (if any) start together; the next step waits for both. */
async function runSteps(tier, step) {
  const beside = step.beside ? runStep(tier, step.beside, true) : null;
  (await runStep(tier, step))();
  if (beside) (await beside)();
}

function count(out) {
  let result;
  try {
    result = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    total.suitesFailed++; // the step did not get as far as a result: count it as a failed suite
    return;
  }
  total.suitesPassed += result.numPassedTestSuites;
  total.suitesFailed += result.numFailedTestSuites + result.numRuntimeErrorTestSuites;
  total.passed += result.numPassedTests;
  total.failed += result.numFailedTests;
  total.skipped += result.numPendingTests + result.numTodoTests;
}

const wallStarted = Date.now();
for (const tier of names.length ? names : Object.keys(TIERS)) for (const step of TIERS[tier]) await runSteps(tier, step);
console.log(`\n=== all tiers: ${((Date.now() - wallStarted) / 1000).toFixed(1)} s`);
if (!keepDir) rmSync(dir, { recursive: true, force: true });
const line = (parts) => parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`).concat([`${parts.reduce((s, [n]) => s + n, 0)} total`]).join(', ');
console.log(`\nTest Suites: ${line([[total.suitesFailed, 'failed'], [total.suitesPassed, 'passed']])}`);
console.log(`Tests:       ${line([[total.failed, 'failed'], [total.skipped, 'skipped'], [total.passed, 'passed']])}`);
process.exit(status);
