import type { ColumnDef, TableSchema } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { TidewaterError } from '@tidewater/errors';
import { quoteId } from './sql.js';
import type { ObjectSelection } from './types.js';

/**
 * Table schemas from information_schema. Invariants:
 * - names match exactly (information_schema compares case-insensitively, the server's table
 *   names are case-sensitive on Linux), so the server is asked broadly and filtered here;
 * - only BASE TABLEs are returned; a view named explicitly is reported as not found;
 * - columns are in ORDINAL_POSITION order, which is the order chunk reads select them in;
 * - keyColumns is the PRIMARY KEY in key order, else one UNIQUE key whose columns are all
 *   NOT NULL (see `pickRowKey`); a table with neither fails with TW_NO_ROW_KEY.
 */

export type Rows = (
  sql: string,
  params: readonly unknown[],
  during: string,
  subject?: string,
) => Promise<CanonicalValue[][]>;

export async function readSchemas(
  rows: Rows,
  objects: readonly ObjectSelection[],
  flavor: 'mariadb' | 'mysql',
): Promise<TableSchema[]> {
  const out: TableSchema[] = [];
  const seen = new Set<string>();
  for (const sel of objects) {
    for (const schema of await readDatabase(rows, sel, flavor)) {
      const id = `${schema.source?.database}\u0000${schema.source?.table}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(schema);
    }
  }
  return out;
}

async function readDatabase(rows: Rows, sel: ObjectSelection, flavor: 'mariadb' | 'mysql'): Promise<TableSchema[]> {
  const db = sel.database;
  const during = `reading the schema of ${db}`;
  const dbs = await rows('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [db], during, db);
  if (!dbs.some((r) => text(r[0]) === db)) {
    throw new TidewaterError('TW_OBJECT_NOT_FOUND', `database ${quoteId(db)} does not exist on the source`, {
      subject: db,
      fix: `create database ${quoteId(db)} on the source or fix the database name in the objects list`,
    });
  }

  const tableTypes = new Map<string, string>();
  for (const r of inDb(
    db,
    await rows(
      'SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [db],
      during,
      db,
    ),
  )) {
    tableTypes.set(text(r[0]), text(r[1]));
  }
  let tables: string[];
  if (sel.tables === undefined) {
    const excluded = new Set(sel.exclude);
    // A misspelt exclusion would silently migrate the table it meant to leave out.
    for (const t of excluded) {
      if (!tableTypes.has(t)) {
        throw new TidewaterError('TW_OBJECT_NOT_FOUND', `table ${db}.${t} in exclude does not exist on the source`, {
          subject: `${db}.${t}`,
          fix: `fix the name in the exclude list of ${db} (names are case-sensitive) or remove it`,
        });
      }
    }
    tables = [...tableTypes]
      .filter(([name, type]) => type === 'BASE TABLE' && !excluded.has(name))
      .map(([name]) => name)
      .sort();
  } else {
    tables = [...new Set(sel.tables)];
    for (const t of tables) {
      const type = tableTypes.get(t);
      if (type === undefined) {
        throw new TidewaterError('TW_OBJECT_NOT_FOUND', `table ${db}.${t} does not exist on the source`, {
          subject: `${db}.${t}`,
          fix: `create table ${quoteId(db)}.${quoteId(t)} on the source or remove it from the objects list (names are case-sensitive)`,
        });
      }
      if (type !== 'BASE TABLE') {
        throw new TidewaterError(
          'TW_OBJECT_NOT_FOUND',
          `${db}.${t} is a ${type}, not a base table: only base tables can be migrated`,
          {
            subject: `${db}.${t}`,
            fix: `remove ${db}.${t} from the objects list and select the tables it reads from`,
          },
        );
      }
    }
  }
  if (tables.length === 0) return [];

  // Restrict the catalog reads to the named tables when there is a list (a database may hold
  // thousands of tables); `IN (?)` expands an array placeholder into a value list.
  const filter = sel.tables === undefined ? '' : ' AND TABLE_NAME IN (?)';
  const fparams: unknown[] = sel.tables === undefined ? [db] : [db, tables];
  const columnRows = inDb(
    db,
    await rows(
      `SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE,
            DATETIME_PRECISION, CHARACTER_SET_NAME, CHARACTER_MAXIMUM_LENGTH, COLUMN_DEFAULT, COLLATION_NAME
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?${filter} ORDER BY TABLE_NAME, ORDINAL_POSITION`,
      fparams,
      during,
      db,
    ),
  );
  const indexRows = inDb(
    db,
    await rows(
      `SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?${filter} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      fparams,
      during,
      db,
    ),
  );

  const columns = new Map<string, ColumnDef[]>();
  for (const r of columnRows) {
    const table = text(r[0]);
    const list = columns.get(table) ?? [];
    list.push(columnDef(r));
    columns.set(table, list);
  }
  if (flavor === 'mariadb' && [...columns.values()].some((cols) => cols.some((c) => c.dataType === 'longtext'))) {
    await markMariaDbJson(rows, db, columns, during);
  }
  const indexes = groupIndexes(indexRows);

  return tables.map((table) => {
    const cols = columns.get(table) ?? [];
    const keyColumns = pickRowKey(cols, indexes.get(table) ?? []);
    if (keyColumns === undefined) {
      throw new TidewaterError(
        'TW_NO_ROW_KEY',
        `table ${db}.${table} has no PRIMARY KEY and no UNIQUE key whose columns are all NOT NULL, so its rows cannot be identified`,
        {
          subject: `${db}.${table}`,
          fix: `add a primary key, e.g. ALTER TABLE ${quoteId(db)}.${quoteId(table)} ADD PRIMARY KEY (<columns>), or remove the table from the objects list`,
        },
      );
    }
    return { source: { database: db, table }, columns: cols, keyColumns, version: 0 };
  });
}

function columnDef(r: readonly CanonicalValue[]): ColumnDef {
  const dataType = text(r[2]).toLowerCase();
  const columnType = text(r[3]);
  const precision = num(r[5]);
  return {
    name: text(r[1]),
    dataType,
    columnType,
    nullable: text(r[4]) === 'YES',
    unsigned: /\bunsigned\b/i.test(columnType),
    precision,
    scale: num(r[6]),
    fsp: num(r[7]),
    charset: r[8] === null || r[8] === undefined ? '' : text(r[8]),
    // CHAR/BINARY/TEXT: the declared maximum length; BIT(n): the bit width (NUMERIC_PRECISION).
    length: dataType === 'bit' ? BigInt(precision) : r[9] === null || r[9] === undefined ? 0n : BigInt(text(r[9])),
    columnDefault: r[10] === null || r[10] === undefined ? '' : text(r[10]),
    collation: r[11] === null || r[11] === undefined ? '' : text(r[11]),
  };
}

/**
 * MariaDB's JSON is an alias of LONGTEXT with a column CHECK `json_valid(col)`, and
 * information_schema says `longtext`. Report such a column as `json` so the destination keeps
 * the JSON type (values are the same text either way).
 */
async function markMariaDbJson(
  rows: Rows,
  db: string,
  columns: Map<string, ColumnDef[]>,
  during: string,
): Promise<void> {
  let checks: CanonicalValue[][];
  try {
    checks = inDb(
      db,
      await rows(
        'SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?',
        [db],
        during,
        db,
      ),
    );
  } catch {
    return; // MariaDB before 10.2.22 has no CHECK_CONSTRAINTS: such columns stay longtext.
  }
  for (const [table, clause] of checks.map((r) => [text(r[0]), text(r[1])] as const)) {
    const m = /^\s*json_valid\s*\(\s*`((?:[^`]|``)+)`\s*\)\s*$/i.exec(clause);
    if (!m?.[1]) continue;
    const name = m[1].replaceAll('``', '`');
    const col = columns.get(table)?.find((c) => c.name === name);
    if (col && col.dataType === 'longtext') col.dataType = 'json';
  }
}

export interface IndexInfo {
  readonly name: string;
  readonly unique: boolean;
  /** Column names in index order; null for a functional key part (MySQL 8). */
  readonly columns: (string | null)[];
  readonly prefix: boolean;
}

function groupIndexes(indexRows: readonly CanonicalValue[][]): Map<string, IndexInfo[]> {
  const byTable = new Map<string, Map<string, { unique: boolean; columns: (string | null)[]; prefix: boolean }>>();
  for (const r of indexRows) {
    const table = text(r[0]);
    const name = text(r[1]);
    const t = byTable.get(table) ?? new Map();
    byTable.set(table, t);
    const ix = t.get(name) ?? { unique: num(r[2]) === 0, columns: [], prefix: false };
    t.set(name, ix);
    ix.columns.push(r[4] === null || r[4] === undefined ? null : text(r[4]));
    if (r[5] !== null && r[5] !== undefined) ix.prefix = true;
  }
  const out = new Map<string, IndexInfo[]>();
  for (const [table, ixs] of byTable)
    out.set(
      table,
      [...ixs].map(([name, ix]) => ({ name, ...ix })),
    );
  return out;
}

/**
 * The row key: the PRIMARY KEY, else among UNIQUE indexes whose parts are all plain NOT NULL
 * columns, the one without prefix parts, then with the fewest columns, then the first by name.
 * The choice is deterministic, so every reader of the same schema agrees on it (MySQL's own
 * "first NOT NULL unique index" depends on definition order, which information_schema hides).
 */
export function pickRowKey(columns: readonly ColumnDef[], indexes: readonly IndexInfo[]): string[] | undefined {
  const primary = indexes.find((ix) => ix.name === 'PRIMARY');
  if (primary && primary.columns.every((c) => c !== null)) return primary.columns as string[];
  const notNull = new Set(columns.filter((c) => !c.nullable).map((c) => c.name));
  const candidates = indexes
    .filter((ix) => ix.unique && ix.columns.length > 0 && ix.columns.every((c) => c !== null && notNull.has(c)))
    .sort(
      (a, b) =>
        Number(a.prefix) - Number(b.prefix) ||
        a.columns.length - b.columns.length ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  return candidates[0]?.columns as string[] | undefined;
}

/**
 * Rows of exactly database `db`, with the schema column dropped: information_schema may
 * compare names case-insensitively, and `Shop` and `shop` can both exist.
 */
function inDb(db: string, rows: readonly CanonicalValue[][]): CanonicalValue[][] {
  return rows.filter((r) => text(r[0]) === db).map((r) => r.slice(1));
}

/** information_schema text; MySQL 8 returns some catalog columns with the binary charset. */
function text(v: CanonicalValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}

function num(v: CanonicalValue | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = Number(typeof v === 'bigint' || typeof v === 'number' ? v : text(v));
  return Number.isFinite(n) ? n : 0;
}
