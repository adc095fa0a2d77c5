import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most tests wait on real services rather than burn CPU, so more workers than the
    // machine's 2 cores keep the whole suite well under 15 minutes.
    maxWorkers: 4,
    minWorkers: 1,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
