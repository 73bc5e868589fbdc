import type { SourceClient } from '@tidewater/mysql-source';
import { sourceRows, type ColumnKind } from './compare.js';

/**
 * The `inc` database of incremental.int.test.ts and tools/chaos (the tables RandomWriter
 * writes). Free of vitest, so tools can import it; the checks are in inc-tables.ts.
 */
export const INC_TABLES: Record<string, { key: string[]; cols: ColumnKind[] }> = {
  acct: {
    key: ['id'],
    cols: [
      { name: 'id', kind: 'int' },
      { name: 'balance', kind: 'exact' },
      { name: 'note', kind: 'text' },
      { name: 'updated', kind: 'datetime' },
    ],
  },
  pair: {
    key: ['a', 'b'],
    cols: [
      { name: 'a', kind: 'text' },
      { name: 'b', kind: 'int' },
      { name: 'v', kind: 'int' },
    ],
  },
};

/** Creates `inc` afresh: `acct` with 3,000 seed rows, `pair` empty. */
export async function resetIncDatabase(source: SourceClient): Promise<void> {
  await source.query('DROP DATABASE IF EXISTS inc');
  await source.query('CREATE DATABASE inc CHARACTER SET utf8mb4');
  await source.query(
    'CREATE TABLE inc.acct (id BIGINT PRIMARY KEY, balance DECIMAL(12,2) NOT NULL, note VARCHAR(50), updated DATETIME(6))',
  );
  await source.query('CREATE TABLE inc.pair (a CHAR(1) NOT NULL, b INT NOT NULL, v INT, PRIMARY KEY (a, b))');
  await source.query(
    `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_1_to_3000`,
  );
}

/** Every `inc` table's rows at the source now, by table (as sourceRows renders them). */
export async function incSourceRows(source: SourceClient): Promise<Record<string, string[]>> {
  return Object.fromEntries(
    await Promise.all(
      Object.entries(INC_TABLES).map(async ([t, { cols }]) => [t, await sourceRows(source, 'inc', t, cols)] as const),
    ),
  );
}
