import type { Config } from 'jest';

// One Jest run covers every part; `--selectProjects <name>` runs one of them.
//
// The rule for every test here: no test may pass today and fail on a later date. A time that a
// validity check compares with a clock (SIWE issuedAt/expirationTime/notBefore, EIP-712 deadlines,
// consent and guardian expiry, nonce and session lifetimes) derives from the clock under test: the
// chain's block time for on-chain checks, Date.now() or an injected clock for off-chain ones. And no
// test proves an ordering or an exclusion by sleeping: wait for the event, or observe the exclusion.
const swc: Config['transform'] = {
  '^.+\\.(t|j)sx?$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};

const project = (name: string, extra: Partial<Config> = {}): Config => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform: swc,
  testEnvironment: 'node',
  // Hardhat keeps its environment in globals that Jest would otherwise tear down between files.
  testEnvironmentOptions: { globalsCleanup: 'off' },
  ...extra,
});

const config: Config = {
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  // One PostgreSQL per run for every graph-node the tests start; each suite has its own database.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  projects: [
    project('contracts', { testTimeout: 60_000 }),
    project('subgraph', { testTimeout: 300_000 }),
    project('api', { testTimeout: 120_000 }),
    project('stack', { testTimeout: 300_000 }),
    project('web', { testTimeout: 60_000 }),
    project('e2e', { testTimeout: 300_000 }),
  ],
};

export default config;
