import type { MariaDbServer } from '@tidewater/testkit';

/** A task spec (JSON) reading the test MariaDB into `warehouse`: schema, full and incremental unless `body` says otherwise. */
export function specText(name: string, db: MariaDbServer, warehouse: string, body: Record<string, unknown>): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'duckdb', path: warehouse },
    migrationTypes: ['schema', 'full', 'incremental'],
    ...body,
  });
}
