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
    // Runs of the CLI in one test file share a NATS: they share the at-rest key too.
    env: { TIDEWATER_SECRET_KEY: '6d6f636b2d6b65792d666f722d746573742d6f6e6c792d6e6f742d7365637265' },
    reporters: ['default'],
  },
});
