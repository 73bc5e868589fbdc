import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, type MariaDbOptions, type MariaDbServer, type NatsServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';

/** What an end-to-end test needs: a source, a bus for the CLI's services, a scratch dir. */
export interface Stack {
  readonly db: MariaDbServer;
  readonly nats: NatsServer;
  readonly source: SourceClient;
  readonly work: string;
  stop(): Promise<void>;
}

/**
 * Starts MariaDB and NATS (test kit), points the CLI's local runs at that NATS, and opens a
 * source session. TIDEWATER_KEEP_TEST_DIRS=1 keeps the scratch dir (service logs) for a
 * post-mortem.
 */
export async function startStack(prefix: string, dbOptions: MariaDbOptions = {}): Promise<Stack> {
  const [db, nats] = await Promise.all([startMariaDb(dbOptions), startNats()]);
  process.env.TIDEWATER_NATS_URL = nats.url;
  const work = mkdtempSync(join(tmpdir(), prefix));
  const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  return {
    db,
    nats,
    source,
    work,
    async stop() {
      await source.close();
      await nats.stop();
      await db.stop();
      if (!process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
    },
  };
}
