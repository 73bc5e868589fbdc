import type { ColumnDef, TableSchema } from '@tidewater/proto';

/** Splits on commas outside parentheses and quotes (column definitions hold both). */
function topLevelClauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** A column name as the server compares it: unquoted, case-insensitive. */
function columnKey(name: string): string {
  return (name.startsWith('`') ? name.slice(1, -1).replace(/``/g, '`') : name).toLowerCase();
}

/**
 * The names of the columns an ALTER TABLE appends, in statement order, when it only appends
 * columns (ADD [COLUMN] … without FIRST/AFTER), possibly with ADD INDEX/KEY clauses, which
 * change no row layout; undefined for anything else. That is the one DDL the pipeline
 * applies to `_base`/`_log`; anything else pauses the task (docs/architecture.md, "Incremental migration").
 */
export function appendedColumnNames(statement: string): string[] | undefined {
  const m =
    /^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\s+(?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?\s+([\s\S]+)$/i.exec(
      statement,
    );
  if (!m) return undefined;
  const names: string[] = [];
  for (const clause of topLevelClauses(m[1]!.replace(/;\s*$/, ''))) {
    if (/^ADD\s+(INDEX|KEY|FULLTEXT|SPATIAL)\b/i.test(clause)) continue;
    const col = /^ADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?((?:`(?:[^`]|``)+`)|\w+)\s+/i.exec(clause);
    if (!col) return undefined;
    if (/^ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|PERIOD|SYSTEM)\b/i.test(clause)) return undefined;
    if (/\s(FIRST|AFTER\s+(`[^`]+`|\w+))\s*$/i.test(clause) || /^ADD\s+(COLUMN\s+)?\(/i.test(clause)) return undefined;
    names.push(col[3]!);
  }
  return names.length ? names : undefined;
}

/**
 * The table's schema right after an ADD COLUMN statement, from `prev` (the schema valid just
 * before it in the binlog) and `live` (the source's schema now, which later statements may
 * already have extended). Only the prefix the statement implies is taken: `prev`'s columns
 * plus the statement's own, which must be the next ones in `live`. So back-to-back ADD
 * COLUMNs each yield the layout of the rows that follow them in the binlog (their TABLE_MAP
 * column count), whatever the source holds when capture reads them.
 *
 * `added` is empty when the statement adds nothing new (`ADD COLUMN IF NOT EXISTS` of a
 * column `prev` has). Undefined when `live` does not continue `prev` with the statement's
 * columns: a later statement changed or dropped them, and no schema for this position can
 * be derived.
 */
export function schemaAfterAddColumn(
  prev: TableSchema,
  names: readonly string[],
  live: TableSchema,
): { next: TableSchema; added: ColumnDef[] } | undefined {
  const have = new Set(prev.columns.map((c) => c.name.toLowerCase()));
  const wanted = [...new Set(names.map(columnKey))].filter((n) => !have.has(n));
  if (!wanted.length) return { next: prev, added: [] };
  const width = prev.columns.length + wanted.length;
  if (live.columns.length < width) return undefined;
  for (let i = 0; i < prev.columns.length; i++) {
    const a = prev.columns[i]!;
    const b = live.columns[i]!;
    if (a.name !== b.name || a.columnType !== b.columnType) return undefined;
  }
  const added = live.columns.slice(prev.columns.length, width);
  if (added.some((c, i) => c.name.toLowerCase() !== wanted[i])) return undefined;
  // Appending columns never changes the row key the task chose.
  return { next: { ...prev, columns: [...prev.columns, ...added], version: prev.version + 1 }, added };
}
