import type { SourceClient } from '@tidewater/mysql-source';
import type { WarehouseSession } from '@tidewater/duckdb-sink';

/**
 * Reads a table from both sides as comparable text per column, each side rendered by its
 * own server (MySQL's CAST/DATE_FORMAT/HEX, DuckDB's casts/strftime/hex), so the
 * comparison checks the pipeline, not a shared decoder. Rows come back sorted by their
 * rendered key so collation differences in ORDER BY don't matter.
 */
export interface ColumnKind {
  readonly name: string;
  readonly kind: 'int' | 'year' | 'exact' | 'float' | 'double' | 'datetime' | 'date' | 'text' | 'bytes' | 'bit';
}

function sourceExpr(c: ColumnKind): string {
  const q = `\`${c.name}\``;
  switch (c.kind) {
    case 'bit':
    case 'year':
      return `CAST(${q} + 0 AS CHAR)`;
    case 'bytes':
      return `HEX(${q})`;
    case 'datetime':
      return `IF(${q} IS NULL, NULL, IF(CAST(${q} AS CHAR) LIKE '0000%', NULL, DATE_FORMAT(${q}, '%Y-%m-%d %H:%i:%s.%f')))`;
    case 'date':
      return `IF(${q} IS NULL, NULL, IF(CAST(${q} AS CHAR) LIKE '0000%', NULL, DATE_FORMAT(${q}, '%Y-%m-%d')))`;
    // FLOAT prints with 6 significant digits as text; `+ 0e0` yields the stored float32.
    case 'float':
      return `${q} + 0e0`;
    case 'double':
      return q;
    default:
      return `CAST(${q} AS CHAR)`;
  }
}

function destExpr(c: ColumnKind): string {
  const q = `"${c.name}"`;
  switch (c.kind) {
    case 'bytes':
      return `hex(${q})`;
    case 'datetime':
      return `strftime(${q}, '%Y-%m-%d %H:%M:%S.%f')`;
    case 'date':
      return `strftime(${q}, '%Y-%m-%d')`;
    case 'float':
    case 'double':
      return q;
    default:
      return `CAST(${q} AS VARCHAR)`;
  }
}

function norm(c: ColumnKind, v: unknown): string {
  if (v === null || v === undefined) return '∅';
  if (c.kind === 'float') return String(Math.fround(Number(v)));
  if (c.kind === 'double') return String(Number(v));
  return String(v);
}

export async function sourceRows(
  source: SourceClient,
  db: string,
  table: string,
  cols: readonly ColumnKind[],
): Promise<string[]> {
  const rows = await source.query(`SELECT ${cols.map(sourceExpr).join(', ')} FROM \`${db}\`.\`${table}\``);
  return rows.map((r) => cols.map((c, i) => norm(c, r[i])).join('|')).sort();
}

export async function destRows(w: WarehouseSession, sql: string, cols: readonly ColumnKind[]): Promise<string[]> {
  const rows = await w.query(`SELECT ${cols.map(destExpr).join(', ')} FROM (${sql})`);
  return rows.map((r) => cols.map((c, i) => norm(c, r[i])).join('|')).sort();
}

/** Rows as sorted `a|b|c` lines, NULL as ∅: compares result sets whatever their order. */
export const rowTexts = (rows: unknown[][]): string[] =>
  rows.map((r) => r.map((v) => (v === null ? '∅' : String(v))).join('|')).sort();
