import { startPostgres, type MariaDbServer, type PostgresServer } from '@tidewater/testkit';
import { PostgresSession } from '@tidewater/postgres-sink';

/** What a task's PostgreSQL destination is called by a test: its URL with a password, and without. */
export interface PgWarehouse {
  /** For the task spec: with PASSWORD, which the spec must seal and every listing and log leave out. */
  readonly url: string;
  /** For the test's own sessions (the test server trusts every login). */
  readonly plain: string;
}

/**
 * One PostgreSQL server for an end-to-end test file, with a database per task, so tasks of
 * one file never see each other's tables.
 */
export class PgWarehouses {
  static readonly PASSWORD = 'pg-Secret-pw';

  private constructor(
    readonly server: PostgresServer,
    private readonly admin: PostgresSession,
  ) {}

  static async start(): Promise<PgWarehouses> {
    const server = await startPostgres();
    try {
      return new PgWarehouses(server, await PostgresSession.open(server.url));
    } catch (e) {
      await server.stop();
      throw e;
    }
  }

  /** Creates database `name` and returns how to reach it. */
  async create(name: string): Promise<PgWarehouse> {
    await this.admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(this.server.url);
    u.pathname = `/${name}`;
    const plain = u.toString();
    u.password = PgWarehouses.PASSWORD;
    return { url: u.toString(), plain };
  }

  async stop(): Promise<void> {
    await this.admin.close();
    await this.server.stop();
  }
}

/** A task spec (JSON) reading the test MariaDB into a PostgreSQL database: schema, full and incremental unless `body` says otherwise. */
export function pgSpecText(name: string, db: MariaDbServer, url: string, body: Record<string, unknown>): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'postgres', url },
    migrationTypes: ['schema', 'full', 'incremental'],
    ...body,
  });
}
