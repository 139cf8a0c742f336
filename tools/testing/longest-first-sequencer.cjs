// Jest runs the suites it has timed before longest first, so no worker idles at the end while one
// long suite runs. A fresh clone (CI) has no timings: this falls back to the seconds recorded in
// suite-seconds.json (`node tools/testing/record-suite-seconds.mjs <CORRAL_TIERS_JSON_DIR>`).
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');
const recorded = require('./suite-seconds.json');

class LongestFirstSequencer extends Sequencer {
  time(test) {
    const measured = super.time(test);
    if (measured != null) return measured;
    const seconds = recorded[relative(test.context.config.rootDir, test.path)];
    return seconds == null ? undefined : seconds * 1000;
  }
}

module.exports = LongestFirstSequencer;
