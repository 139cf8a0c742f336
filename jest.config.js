// One Jest run for the whole monorepo: unit specs beside the code, integration and
// end-to-end tests in each app's test/ folder, against real PostgreSQL, Redis and etcd.
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
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper: {
    '^@corral/contracts$': '<rootDir>/libs/contracts/src/index.ts',
    '^@corral/domain$': '<rootDir>/libs/domain/src/index.ts',
    '^@corral/kube$': '<rootDir>/libs/kube/src/index.ts',
    '^@corral/test-hosts$': '<rootDir>/tools/hosts/src/index.ts',
    '^@corral/bench$': '<rootDir>/tools/bench/common/src/index.ts',
    '^@corral/kube-build$': '<rootDir>/tools/kube-build/src/index.ts',
    '^@corral/images$': '<rootDir>/tools/images/src/index.ts',
    '^@corral/daemon$': '<rootDir>/libs/daemon/src/index.ts',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
// every integration test server serves HTTPS with a test CA the test process trusts
const integration = {
  globalSetup: '<rootDir>/tools/hosts/jest/global-setup.ts',
  setupFiles: ['<rootDir>/tools/hosts/jest/trust-test-ca.ts'],
};
module.exports = {
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools}/**/src/**/*.spec.ts'] },
    {
      ...shared,
      ...integration,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,tools}/**/test/**/*.test.ts'],
    },
  ],
};
