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
  reporters: ['default', ['<rootDir>/test/support/summary-reporter.js', { name: 'unit' }]],
};
