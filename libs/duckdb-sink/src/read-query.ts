import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { TidewaterError } from '@tidewater/errors';
import { instanceOptions } from './connection-pool.js';

export interface QueryResult {
  readonly columns: string[];
  readonly rows: unknown[][];
}

/**
 * One query on a warehouse file, opened read-only (`tidewater query`): a user can look at
 * the result of a migration without a DuckDB shell. The file is never created or changed.
 */
export async function queryWarehouseFile(path: string, sql: string): Promise<QueryResult> {
  if (!existsSync(path)) {
    throw new TidewaterError('TW_SPEC_INVALID', `warehouse ${path} does not exist`, {
      subject: path,
      fix: 'pass the destination.path of the task with --warehouse FILE',
    });
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, { ...instanceOptions(), access_mode: 'READ_ONLY' });
  } catch (e) {
    throw new TidewaterError(
      'TW_DEST_WRITE',
      `cannot open warehouse ${path}: ${(e as Error).message}`,
      {
        subject: path,
        fix: 'DuckDB lets no other process read a file a sink is writing: stop tidewater migrate/up (Ctrl-C), query, then run it again',
      },
      { cause: e },
    );
  }
  try {
    const c = await instance.connect();
    try {
      const reader = await c.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRows() as unknown[][] };
    } catch (e) {
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `query failed: ${(e as Error).message}`,
        { subject: 'SQL', fix: 'fix the SQL (DuckDB dialect); tables are <database>.<table>_base, _log and _merged' },
        { cause: e },
      );
    } finally {
      c.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
