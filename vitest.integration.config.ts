import { defineConfig } from 'vitest/config';

// Integration tests talk to real servers (MariaDB, NATS, PostgreSQL) started by
// @tidewater/testkit, one set per file on free ports, so files are independent: two run at a
// time (most of a file's time is waiting on servers and leases, not CPU), which keeps CI
// near half the serial time on a 2-core machine without oversubscribing it. They never
// time-assert.
export default defineConfig({
  test: {
    include: ['{apps,libs}/*/src/**/*.int.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: true,
    pool: 'forks',
    poolOptions: { forks: { minForks: 1, maxForks: 2 } },
    // Runs of the CLI in one test file share a NATS: they share the at-rest key too.
    env: { TIDEWATER_SECRET_KEY: '6d6f636b2d6b65792d666f722d746573742d6f6e6c792d6e6f742d7365637265' },
    reporters: ['default'],
  },
});
