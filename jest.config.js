// One Jest configuration, three tiers (see README "Tests"):
//   unit     specs beside the code (src/**/*.spec.ts): no processes, no database, run in parallel
//   service  test/service/**/*.test.ts: real PostgreSQL, Redis, etcd and single processes, no cluster, in parallel
//   cluster  every other test/**/*.test.ts: servers with agents on test hosts (stand-ins), several at a
//            time, except the suites in CLUSTER_GROUPS, which run before the others in their own steps
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
/**
 * Cluster suites that must not share the machine with just any suite (tools/testing/run-tiers.mjs
 * runs the cluster tier in these groups' steps, then the rest, CORRAL_CLUSTER_GROUP=shared, with
 * several workers; unset (jest by hand), the tier is all suites):
 * - alone, one at a time: load tests (heartbeats-under-load: 500 event streams and 50 agents;
 *   ci-pool-loopback: ten environments, about 100 processes, at once);
 * - host-loss, one at a time (CORRAL_HOST_LOSS_WORKERS): 4-host clusters with three etcd members
 *   that declare a host disconnected after 3 s of silence and assert exactly which hosts were
 *   lost and which etcd members changed. One keeps about one core busy: among the shared suites
 *   (two more at a time) they made the machine's two cores the limit, other suites' environments
 *   turned degraded and their waits timed out; two at a time, 1 run in 5 failed
 *   (docs/benchmarks.md, "Test run time");
 * - beside-host-loss, one at a time, in a Jest run of its own beside the host-loss step: smaller
 *   suites that fill the other core while the host-loss suites wait on their timers.
 */
const CLUSTER_GROUPS = {
  alone: ['/apps/server/test/heartbeats-under-load.test.ts', '/apps/server/test/ci-pool-loopback.test.ts'],
  'host-loss': ['/apps/server/test/monitoring-lost-host.test.ts', '/apps/server/test/monitoring-server-crash.test.ts', '/apps/server/test/pool-lost-host-loopback.test.ts'],
  'beside-host-loss': [
    '/apps/cli/test/cli.test.ts',
    '/apps/server/test/agent-multihost.test.ts',
    '/apps/server/test/provision-multihost.test.ts',
    '/apps/agent/test/agent-client.test.ts',
    '/apps/server/test/server-crash-during-provisioning.test.ts',
    '/apps/server/test/provision-loopback.test.ts',
    '/tools/kube-stand-ins/test/kube-apiserver.test.ts',
    '/apps/server/test/kube-api-revocation.test.ts',
    '/apps/ingress-controller/test/haproxy-lb.test.ts',
    '/tools/hosts/test/harness.test.ts',
    '/apps/server/test/secrets-pg-dump.test.ts',
    '/apps/server/test/monitoring-crash.test.ts',
  ],
};
const clusterGroup = process.env.CORRAL_CLUSTER_GROUP;
if (clusterGroup !== undefined && clusterGroup !== 'shared' && !(clusterGroup in CLUSTER_GROUPS)) {
  throw new Error(`CORRAL_CLUSTER_GROUP must be shared, ${Object.keys(CLUSTER_GROUPS).join(' or ')}, not ${clusterGroup}`);
}
const grouped = Object.values(CLUSTER_GROUPS).flat();
const clusterIgnored = [...ignored, '/test/service/', '/test/real/', ...(clusterGroup === 'shared' ? grouped : [])];
const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const clusterMatch = clusterGroup && clusterGroup !== 'shared' ? CLUSTER_GROUPS[clusterGroup].map((path) => `<rootDir>${path}`) : [`${TESTS}/**/*.test.ts`];

module.exports = {
  testTimeout: 120000,
  // longest suites first, from Jest's own timings or, in a fresh clone, tools/testing/suite-seconds.json
  testSequencer: '<rootDir>/tools/testing/longest-first-sequencer.cjs',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/src/**/*.spec.ts'] },
    { ...shared, ...withServers, displayName: 'service', testMatch: [`${TESTS}/service/**/*.test.ts`] },
    { ...shared, ...withServers, displayName: 'cluster', testMatch: clusterMatch, testPathIgnorePatterns: clusterIgnored.map((p) => (p.endsWith('.ts') ? escape(p) : p)) },
    { ...shared, ...withServers, displayName: 'real', testMatch: [`${TESTS}/real/**/*.test.ts`] },
  ],
};
