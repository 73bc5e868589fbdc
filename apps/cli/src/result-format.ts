import type { Cell } from '@tidewater/bus';

export interface Rows {
  readonly columns: readonly string[];
  /** DuckDB type of each column: numbers (also 64-bit and DECIMAL, which come as text) are right-aligned. */
  readonly columnTypes?: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)\b/;

const text = (v: Cell): string => (v === null ? 'NULL' : String(v));

/** Columns padded to their widest cell under a header and a rule; numbers right-aligned. */
export function formatTable(r: Rows): string {
  const cells = r.rows.map((row) => row.map(text));
  const widths = r.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = r.columns.map((_, i) =>
    r.columnTypes
      ? NUMERIC.test(r.columnTypes[i] ?? '')
      : r.rows.length > 0 && r.rows.every((row) => row[i] === null || typeof row[i] === 'number'),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(r.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** CSV (RFC 4180 quoting, LF line ends): a field with a comma, quote or line break is quoted, quotes doubled; NULL is an empty field. */
export function formatCsv(r: Rows): string {
  const field = (v: Cell | string) => {
    if (v === null) return '';
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [r.columns, ...r.rows].map((row) => row.map(field).join(',')).join('\n');
}

/** One object per row, keyed by column. */
export function rowObjects(r: Rows): Record<string, Cell>[] {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, row[i] ?? null])));
}
