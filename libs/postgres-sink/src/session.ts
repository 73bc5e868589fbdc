import { Connection } from './connection.js';

/** Every value as PostgreSQL's own text output (NULL as null): comparable with the source's text. */
const asText = { getTypeParser: () => (v: string) => v };

/**
 * Plain SQL on a PostgreSQL warehouse outside the sink's write path: tests read what a
 * migration wrote (values as PostgreSQL's text output) and set up tables that exist before a
 * task, without importing the driver. `PostgresWarehouse` has no such escape hatch.
 */
export class PostgresSession {
  private constructor(private readonly conn: Connection) {}

  static async open(url: string): Promise<PostgresSession> {
    return new PostgresSession(await Connection.open(url, 2));
  }

  /** Rows of `sql`, each value as text (bit varying as its bits, bytea as `\x…`, numeric exact). */
  async query(sql: string, params: unknown[] = []): Promise<(string | null)[][]> {
    return this.conn.with(async (c) => {
      const r = await c.query({ text: sql, values: params, rowMode: 'array', types: asText });
      return r.rows as (string | null)[][];
    });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
