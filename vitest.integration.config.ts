import { defineConfig } from 'vitest/config';

// Integration tests talk to real servers (MariaDB, NATS, PostgreSQL) started by
// @tidewater/testkit; they run one file at a time so the 2-core CI machine is not
// oversubscribed, and never time-assert.
export default defineConfig({
  test: {
    include: ['{apps,libs}/*/src/**/*.int.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
