import { generateProtos } from './scripts/gen-proto.js';

// Tests import #libs/proto, whose code is generated (git-ignored): make sure it exists and is current. A few stat
// calls when nothing changed.
generateProtos({ log: (line) => process.stderr.write(`${line}\n`) });

/** Jest in ESM mode: TypeScript through ts-jest, libraries through the private `@contrail/source` condition. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/apps', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  testEnvironmentOptions: { customExportConditions: ['node', 'node-addons', '@contrail/source'] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  testTimeout: 30000,
  // A suite that leaves a handle open must not hang CI after the summary line: jest ends the run anyway.
  forceExit: true,
};
