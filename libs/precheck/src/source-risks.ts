import type { PrecheckItem, TableSchema } from '@tidewater/proto';
import type { SourceClient } from '@tidewater/mysql-source';
import { passed, warning } from './item.js';

// What the source does to selected tables behind the binlog's back, or where the binlog does
// not say who wrote a row: foreign-key actions and triggers. Both are warnings: the task can
// run, and the message says what drifts and how to avoid it.

/** A row of information_schema.REFERENTIAL_CONSTRAINTS. */
export interface ForeignKeyRow {
  readonly database: string;
  readonly table: string;
  readonly name: string;
  readonly parentDatabase: string;
  readonly parentTable: string;
  readonly updateRule: string;
  readonly deleteRule: string;
}

/** A row of information_schema.TRIGGERS. */
export interface TriggerRow {
  readonly database: string;
  readonly name: string;
  /** The table the trigger fires on. */
  readonly table: string;
  readonly timing: string;
  readonly event: string;
  readonly statement: string;
}

const ACTING_RULES = new Set(['CASCADE', 'SET NULL', 'SET DEFAULT']);
const key = (db: string, t: string) => `${db}.${t}`;

/**
 * Foreign keys whose ON DELETE / ON UPDATE action changes a selected (child) table. InnoDB
 * applies those actions inside the engine and the binlog carries only the parent's row, so the
 * child's `_log` and `_merged` miss them (DTS's precheck warns the same).
 */
export function foreignKeyItem(rows: readonly ForeignKeyRow[], selected: ReadonlySet<string>): PrecheckItem {
  const found = rows
    .filter((r) => selected.has(key(r.database, r.table)))
    .flatMap((r) => {
      const acts = [
        ...(ACTING_RULES.has(r.deleteRule) ? [`ON DELETE ${r.deleteRule}`] : []),
        ...(ACTING_RULES.has(r.updateRule) ? [`ON UPDATE ${r.updateRule}`] : []),
      ];
      return acts.length
        ? [`${key(r.database, r.table)} (${r.name} → ${key(r.parentDatabase, r.parentTable)} ${acts.join(' ')})`]
        : [];
    });
  if (!found.length) return passed('source.foreign_keys', 'no foreign key cascades into a selected table');
  return warning(
    'source.foreign_keys',
    `foreign keys change selected tables without a binlog row: ${found.join('; ')}. InnoDB applies these actions inside the engine and the binlog holds only the parent's change, so the child's _log misses them and its _merged drifts from the source`,
    'exclude the child table from the task (or copy it full-only), change the foreign key to ON DELETE/UPDATE RESTRICT and delete children explicitly, or accept the drift',
  );
}

/** `INSERT INTO t`, `REPLACE t`, `UPDATE t`, `DELETE FROM t` with an optional `db.` and backquotes. */
const WRITE =
  /\b(?:INSERT(?:\s+(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE))*\s+(?:INTO\s+)?|REPLACE(?:\s+(?:LOW_PRIORITY|DELAYED))*\s+(?:INTO\s+)?|UPDATE(?:\s+(?:LOW_PRIORITY|IGNORE))*\s+|DELETE(?:\s+(?:LOW_PRIORITY|QUICK|IGNORE))*\s+FROM\s+)((?:`[^`]+`|[\w$]+)(?:\s*\.\s*(?:`[^`]+`|[\w$]+))?)/gi;

/** The tables a trigger body writes, as far as its text shows (a called procedure is not followed). */
export function triggerTargets(t: TriggerRow): string[] {
  const out = new Set<string>();
  const body = t.statement.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\.)*'/g, ' ');
  for (const m of body.matchAll(WRITE)) {
    const parts = m[1]!.split(/\s*\.\s*/).map((p) => p.replace(/^`|`$/g, ''));
    out.add(parts.length === 2 ? key(parts[0]!, parts[1]!) : key(t.database, parts[0]!));
  }
  return [...out];
}

/**
 * Triggers whose body writes a selected table. With ROW binlogs their rows are logged as
 * changes of the written table (migrated), but nothing marks them as a trigger's: a replay of
 * `_log` into a database that keeps the trigger applies them twice, and rows a trigger writes
 * into a table the task does not select are not migrated.
 */
export function triggerItem(rows: readonly TriggerRow[], selected: ReadonlySet<string>): PrecheckItem {
  const found = rows.flatMap((t) => {
    const hits = triggerTargets(t).filter((x) => selected.has(x));
    return hits.length
      ? [`${key(t.database, t.name)} (${t.timing} ${t.event} on ${key(t.database, t.table)}) writes ${hits.join(', ')}`]
      : [];
  });
  if (!found.length) return passed('source.triggers', 'no trigger writes a selected table');
  return warning(
    'source.triggers',
    `triggers write selected tables: ${found.join('; ')}. Their rows reach the binlog as ordinary changes of the written table, in the same transaction, with nothing marking them as a trigger's`,
    'nothing to do for the warehouse itself; do not recreate these triggers where _log is replayed (their rows would be applied twice), and select every table they write or those rows are not migrated',
  );
}

const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Both items for the selected tables, read from information_schema of their databases. */
export async function sourceRiskItems(source: SourceClient, schemas: readonly TableSchema[]): Promise<PrecheckItem[]> {
  const selected = new Set(schemas.map((s) => key(s.source!.database, s.source!.table)));
  const dbs = [...new Set(schemas.map((s) => s.source!.database))];
  if (!dbs.length) return [];
  const str = (v: unknown) => String(v ?? '');
  const fks = await source.query(
    `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE
       FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (${inList(dbs.length)})`,
    dbs,
  );
  // Every trigger of the source: one in another database may write a selected table.
  const triggers = await source.query(
    'SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT FROM information_schema.TRIGGERS',
  );
  return [
    foreignKeyItem(
      fks.map((r) => ({
        database: str(r[0]),
        table: str(r[1]),
        name: str(r[2]),
        parentDatabase: str(r[3]),
        parentTable: str(r[4]),
        updateRule: str(r[5]),
        deleteRule: str(r[6]),
      })),
      selected,
    ),
    triggerItem(
      triggers.map((r) => ({
        database: str(r[0]),
        name: str(r[1]),
        table: str(r[2]),
        timing: str(r[3]),
        event: str(r[4]),
        statement: str(r[5]),
      })),
      selected,
    ),
  ];
}
