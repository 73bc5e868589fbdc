import { existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TidewaterError } from '@tidewater/errors';
import { instanceOptions } from './connection-pool.js';
import { runRead, type QueryResult, type ReadLimits } from './read-query.js';
import { exportParquet, type ExportedObject, type ExportOptions } from './parquet-export.js';

/**
 * A warehouse file no sink holds, opened read-only (`tidewater query` / `export` when no
 * task runs on it). The file is never created or changed.
 */
export class WarehouseFile {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly path: string,
  ) {}

  /**
   * Undefined when another process holds the file open for writing (DuckDB's file lock: a
   * running sink), which then answers reads itself.
   */
  static async openReadOnly(path: string): Promise<WarehouseFile | undefined> {
    if (!existsSync(path)) {
      throw new TidewaterError('TW_SPEC_INVALID', `warehouse ${path} does not exist`, {
        subject: path,
        fix: 'pass the destination.path of the task (--warehouse FILE), or its spec (-f task.yaml)',
      });
    }
    try {
      return new WarehouseFile(
        await DuckDBInstance.create(path, { ...instanceOptions(), access_mode: 'READ_ONLY' }),
        path,
      );
    } catch (e) {
      // DuckDB's only sign of another process holding the file: its lock error.
      if (/Could not set lock/i.test((e as Error).message)) return undefined;
      throw new TidewaterError(
        'TW_DEST_WRITE',
        `cannot open warehouse ${path}: ${(e as Error).message}`,
        { subject: path, fix: 'check the path is a DuckDB file written by tidewater and readable' },
        { cause: e },
      );
    }
  }

  async query(sql: string, limits: ReadLimits = {}): Promise<QueryResult> {
    return this.with((c) => runRead(c, sql, limits));
  }

  async exportParquet(opts: ExportOptions): Promise<ExportedObject[]> {
    return this.with((c) => exportParquet(c, opts));
  }

  close(): void {
    this.instance.closeSync();
  }

  private async with<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const c = await this.instance.connect();
    try {
      return await fn(c);
    } finally {
      c.closeSync();
    }
  }
}
