import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openInstance } from './connection-pool.js';

/**
 * Plain SQL on a warehouse file, outside the sink's write path: tests read what a migration
 * wrote and set up tables that exist before a task. `DuckDbWarehouse` has no such escape
 * hatch; in one process a session shares the writer's DuckDB instance (same options).
 */
export class WarehouseSession {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<WarehouseSession> {
    const instance = await openInstance(path);
    return new WarehouseSession(instance, await instance.connect());
  }

  /** Values as DuckDB's JS conversion gives them. */
  async query(sql: string): Promise<unknown[][]> {
    return (await this.conn.runAndReadAll(sql)).getRows() as unknown[][];
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
