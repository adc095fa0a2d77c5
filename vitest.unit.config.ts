import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The unit layer (`npm run test:unit`): pure logic and in-memory ports, so none of the
// shared services of the global setup (ZooKeeper, SQL probes) is started.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts'],
    globalSetup: [],
  },
});
