/**
 * Suites that run against the test cluster started by scripts/test-cluster.sh.
 * Run them with `npm run test:cluster` (starts and stops the cluster), or start it once with
 * `npm run cluster:start` and run `NODE_OPTIONS=--experimental-vm-modules jest -c jest.cluster.config.js`
 * as often as needed. Same transform as jest.config.js.
 */
// The suites named *.simulated.test.ts play the node provisioner, the kubelets and the workload controllers
// themselves, so they run on a cluster of only etcd and kube-apiserver (`cluster:start -- --apiserver-only`);
// the others on the whole control plane. scripts/run-cluster-tests.sh runs both, each on its own cluster.
// The profile is the running cluster's (KAITO_TEST_CLUSTER_PROFILE overrides it).
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
function clusterProfile() {
  if (process.env.KAITO_TEST_CLUSTER_PROFILE) return process.env.KAITO_TEST_CLUSTER_PROFILE;
  const state = process.env.KAITO_TEST_CLUSTER_STATE || join(__dirname, '.cluster');
  try {
    return readFileSync(join(state, 'profile'), 'utf8').trim();
  } catch {
    return 'full';
  }
}
const simulated = clusterProfile() === 'apiserver-only';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  testMatch: simulated ? ['<rootDir>/test/cluster/**/*.simulated.test.ts'] : ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: simulated ? ['/node_modules/'] : ['/node_modules/', '\\.simulated\\.test\\.ts$'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Scratch files of the whole run under one directory, removed at its end (test/support/tmpdir.js).
  globalSetup: '<rootDir>/test/support/tmpdir-setup.js',
  globalTeardown: '<rootDir>/test/support/tmpdir-teardown.js',
  // The transform cache in the project, not in the system's temporary directory.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testTimeout: 120_000,
  maxWorkers: 1,
  reporters: [
    'default',
    ['<rootDir>/test/support/summary-reporter.js', { name: simulated ? 'cluster (simulated)' : 'cluster' }],
  ],
};
