/**
 * Suites that run against the test cluster started by scripts/test-cluster.sh.
 * Run them with `npm run test:cluster` (starts and stops the cluster), or start it once with
 * `npm run cluster:start` and run `NODE_OPTIONS=--experimental-vm-modules jest -c jest.cluster.config.js`
 * as often as needed. Same transform as jest.config.js.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/cluster'],
  // Every suite runs on the whole control plane: etcd, kube-apiserver, kube-controller-manager,
  // kube-scheduler, KWOK and Karpenter.
  testMatch: ['<rootDir>/test/cluster/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Scratch files of the whole run under one directory, removed at its end (test/support/tmpdir.js).
  globalSetup: '<rootDir>/test/support/tmpdir-setup.js',
  globalTeardown: '<rootDir>/test/support/tmpdir-teardown.js',
  // The transform cache in the project, not in the system's temporary directory.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  testTimeout: 120_000,
  maxWorkers: 1,
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', { name: 'cluster' }]],
};
