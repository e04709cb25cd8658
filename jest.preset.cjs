// Shared jest configuration: every package's jest.config.cjs spreads this.
// Tests run against sibling packages' TypeScript sources (the "@tfsim/source"
// export condition), so no build step is needed before testing.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'cjs', 'mjs', 'json', 'node'],
  transform: {
    '^.+\\.(t|j)s$': [
      '@swc/jest',
      {
        jsc: {
          target: 'es2022',
          parser: { syntax: 'typescript' },
          transform: { useDefineForClassFields: true },
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  testEnvironmentOptions: {
    customExportConditions: ['@tfsim/source', 'node', 'require', 'default'],
  },
  reporters: ['default', path.join(__dirname, 'tools', 'jest', 'count-reporter.cjs')],
  // tfjs-node hands out typed arrays of the main realm; see setup-realm.cjs.
  setupFiles: [path.join(__dirname, 'tools', 'jest', 'setup-realm.cjs')],
  // Native TensorFlow settings (oneDNN off where it crashes) for the real environment.
  globalSetup: path.join(__dirname, 'tools', 'jest', 'global-setup.cjs'),
  testTimeout: 120000,
  // One line per test, so CI logs show each suite's backend ([tensorflow], [wasm], [cpu]).
  verbose: true,
};
