// One Jest configuration, three tiers (see README "Tests"):
//   unit     specs beside the code (src/**/*.spec.ts): no processes, no database, run in parallel
//   service  test/service/**/*.test.ts: real PostgreSQL, Redis, etcd and single processes, no cluster, in parallel
//   cluster  every other test/**/*.test.ts: servers with agents on test hosts (stand-ins), one at a time
//   real     test/real/**/*.test.ts: clusters on the real Kubernetes binaries, one at a time
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const swc = {
  // .swcrc excludes specs from the build; the Jest transform must not pick that up
  swcrc: false,
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
};
// the path aliases come from tsconfig.base.json, their one source (the build's .swcrc is checked against it)
const { paths } = JSON.parse(readFileSync(join(__dirname, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const moduleNameMapper = Object.fromEntries(Object.entries(paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]));

const ignored = ['/node_modules/', '/dist/'];
const shared = { testEnvironment: 'node', transform: { '^.+\\.ts$': ['@swc/jest', swc] }, moduleNameMapper, testPathIgnorePatterns: ignored };
// every test server serves HTTPS with a test CA the test process trusts
const withServers = {
  globalSetup: '<rootDir>/tools/hosts/jest/global-setup.ts',
  setupFiles: ['<rootDir>/tools/hosts/jest/trust-test-ca.ts'],
};
const TESTS = '<rootDir>/{apps,libs,tools}/**/test';

module.exports = {
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/src/**/*.spec.ts'] },
    { ...shared, ...withServers, displayName: 'service', testMatch: [`${TESTS}/service/**/*.test.ts`] },
    { ...shared, ...withServers, displayName: 'cluster', testMatch: [`${TESTS}/**/*.test.ts`], testPathIgnorePatterns: [...ignored, '/test/service/', '/test/real/'] },
    { ...shared, ...withServers, displayName: 'real', testMatch: [`${TESTS}/real/**/*.test.ts`] },
  ],
};
