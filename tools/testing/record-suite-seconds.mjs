#!/usr/bin/env node
// Writes tools/testing/suite-seconds.json from the Jest JSON results run-tiers.mjs keeps
// (CORRAL_TIERS_JSON_DIR): every suite's wall time, rounded, for longest-first-sequencer.cjs.
//   node tools/testing/record-suite-seconds.mjs <dir with run-tiers' *.json>
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './repo-root.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: record-suite-seconds.mjs <dir with the Jest JSON results of run-tiers.mjs>');
  process.exit(2);
}
const target = join(ROOT, 'tools', 'testing', 'suite-seconds.json');
const seconds = JSON.parse(readFileSync(target, 'utf8'));
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  for (const suite of JSON.parse(readFileSync(join(dir, file), 'utf8')).testResults) {
    seconds[relative(ROOT, suite.name)] = Math.max(1, Math.round((suite.endTime - suite.startTime) / 1000));
  }
}
const sorted = Object.fromEntries(Object.entries(seconds).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(target, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} suites in ${relative(process.cwd(), target)}`);
