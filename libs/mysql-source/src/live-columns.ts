import type { TableRef } from '@tidewater/proto';
import { text } from './binlog-settings.js';
import type { Rows } from './schema-reader.js';
import type { LiveColumn } from './types.js';

/**
 * The columns a table has now, in ORDINAL_POSITION order: one catalog read, for checks that a
 * table still has the shape a plan was made with (snapshot, once per chunk). Names match
 * exactly: information_schema may compare them case-insensitively.
 */
export async function readColumns(rows: Rows, table: TableRef): Promise<LiveColumn[]> {
  const found = await rows(
    `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table.database, table.table],
    'reading the columns of a table',
    `${table.database}.${table.table}`,
  );
  return found
    .filter((r) => text(r[0]) === table.database && text(r[1]) === table.table)
    .map((r) => ({ name: text(r[2]), columnType: text(r[3]) }));
}
