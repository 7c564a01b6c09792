/** Unit, golden and packaging tests. The real-apiserver suites have their own config (jest.cluster.config.js). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['<rootDir>/test/cluster/'],
  // ts-jest transpiles each file on its own (types are checked by `npm run typecheck`); the tsconfig's
  // nodenext module setting keeps dynamic import() for ESM-only packages.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Scratch files of the whole run under one directory, removed at its end (test/support/tmpdir.js).
  globalSetup: '<rootDir>/test/support/tmpdir-setup.js',
  globalTeardown: '<rootDir>/test/support/tmpdir-teardown.js',
  // The transform cache in the project, not in the system's temporary directory.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', { name: 'unit' }]],
};
