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

/**
 * True when an ALTER TABLE only appends columns (ADD [COLUMN] … without FIRST/AFTER), possibly
 * with ADD INDEX/KEY clauses, which change no row layout. That is the one DDL the pipeline
 * applies to `_base`/`_log`; anything else pauses the task (brief §1.5).
 */
export function isAppendOnlyAddColumn(statement: string): boolean {
  const m = /^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\s+(?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?\s+([\s\S]+)$/i.exec(statement);
  if (!m) return false;
  let addsColumn = false;
  for (const clause of topLevelClauses(m[1]!.replace(/;\s*$/, ''))) {
    if (/^ADD\s+(INDEX|KEY|FULLTEXT|SPATIAL)\b/i.test(clause)) continue;
    if (!/^ADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?(`[^`]+`|\w+)\s+/i.test(clause)) return false;
    if (/^ADD\s+(CONSTRAINT|PRIMARY|UNIQUE|FOREIGN|CHECK|PERIOD|SYSTEM)\b/i.test(clause)) return false;
    if (/\s(FIRST|AFTER\s+(`[^`]+`|\w+))\s*$/i.test(clause) || /^ADD\s+(COLUMN\s+)?\(/i.test(clause)) return false;
    addsColumn = true;
  }
  return addsColumn;
}

/** The columns `next` appends to `prev`, or undefined when `next` is not `prev` plus columns at the end. */
export function appendedColumns(prev: TableSchema, next: TableSchema): ColumnDef[] | undefined {
  if (next.columns.length <= prev.columns.length) return undefined;
  for (let i = 0; i < prev.columns.length; i++) {
    const a = prev.columns[i]!;
    const b = next.columns[i]!;
    if (a.name !== b.name || a.columnType !== b.columnType) return undefined;
  }
  return next.columns.slice(prev.columns.length);
}
