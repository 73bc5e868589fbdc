import { expect } from 'vitest';
import type { PostgresSession } from '@tidewater/postgres-sink';
import type { SourceClient } from '@tidewater/mysql-source';
import { sourceRows, type ColumnKind } from './compare.js';
import { INC_TABLES } from './inc-tables.js';

/**
 * compare.ts for a PostgreSQL warehouse: each column rendered by PostgreSQL itself (to_char,
 * encode, numeric text) as the source renders it, so rows compare with `sourceRows`.
 */
function pgExpr(c: ColumnKind): string {
  const q = `"${c.name}"`;
  switch (c.kind) {
    case 'bytes':
      return `upper(encode(${q}, 'hex'))`;
    case 'datetime':
      return `to_char(${q}, 'YYYY-MM-DD HH24:MI:SS.US')`;
    case 'date':
      return `to_char(${q}, 'YYYY-MM-DD')`;
    default:
      return `${q}::text`;
  }
}

function norm(c: ColumnKind, v: string | null): string {
  if (v === null) return '∅';
  if (c.kind === 'float') return String(Math.fround(Number(v)));
  if (c.kind === 'double') return String(Number(v));
  // BIT(n) is bit varying: its bits, read as the unsigned number the source prints.
  if (c.kind === 'bit') return BigInt(`0b${v}`).toString();
  return v;
}

/** Rows of `sql` in PostgreSQL as sorted `a|b|c` lines, NULL as ∅, comparable with `sourceRows`. */
export async function pgRows(s: PostgresSession, sql: string, cols: readonly ColumnKind[]): Promise<string[]> {
  const rows = await s.query(`SELECT ${cols.map(pgExpr).join(', ')} FROM (${sql}) AS q`);
  return rows.map((r) => cols.map((c, i) => norm(c, r[i]!)).join('|')).sort();
}

/**
 * No record of the `_log` table `log` (quoted as needed) twice with the same flags, and each
 * UPDATE a before/after pair. `prefix`: `new_dts_sync_` under additionalColumnRule new.
 */
export async function expectPgLogRecordsOnce(s: PostgresSession, log: string, prefix = ''): Promise<void> {
  const [id, before, after, op] = ['record_id', 'before_flag', 'after_flag', 'operation_flag'].map(
    (c) => `"${prefix}${c}"`,
  );
  expect(
    await s.query(`SELECT ${id}, ${before}, ${after} FROM ${log} GROUP BY 1, 2, 3 HAVING count(*) > 1`),
    `${log}: records written twice`,
  ).toEqual([]);
  expect(
    await s.query(
      `SELECT ${id} FROM ${log} WHERE ${op} = 'U' GROUP BY 1 HAVING count(*) <> 2 OR min(${before}) = max(${before})`,
    ),
    `${log}: UPDATEs that are not one before/after pair`,
  ).toEqual([]);
}

/** Every `inc` table's `_merged` view equals the source, and no `_log` record is there twice. */
export async function expectPgMergeEqualsSource(source: SourceClient, s: PostgresSession): Promise<void> {
  for (const [table, { cols }] of Object.entries(INC_TABLES)) {
    expect(await pgRows(s, `SELECT * FROM inc.${table}_merged`, cols)).toEqual(
      await sourceRows(source, 'inc', table, cols),
    );
    await expectPgLogRecordsOnce(s, `inc.${table}_log`);
  }
}
