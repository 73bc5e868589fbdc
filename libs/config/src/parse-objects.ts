import type { TidewaterError } from '@tidewater/errors';
import { checkKeys, collect, fail, isObject, str, throwProblems } from './spec-checks.js';
import type { EtlSpec, ObjectSpec, TableSpec } from './task-spec.js';

export function parseObjects(raw: unknown): ObjectSpec[] {
  if (!Array.isArray(raw) || raw.length === 0)
    fail('objects', 'must list at least one database', 'add objects: [{ database: shop }] (docs/task-spec.md)');
  const problems: TidewaterError[] = [];
  const parsed = raw.map((o, i) => collect(problems, () => parseObject(o, `objects[${i}]`)));
  throwProblems(problems);
  const objects = parsed as ObjectSpec[];
  const dupDb = objects.find((o, i) => objects.findIndex((p) => p.database === o.database) !== i);
  if (dupDb) fail('objects', `lists database ${dupDb.database} twice`, 'merge its entries into one');
  const mapped = objects.flatMap((o) => o.tables ?? []);
  // DTS's rule: per-table configuration does not scale past 1,000 tables in one task.
  if (mapped.length > MAX_MAPPED_TABLES && mapped.some(hasTableMapping)) {
    fail(
      'objects',
      `selects ${mapped.length} tables one by one with per-table mapping, filters or ETL; at most ${MAX_MAPPED_TABLES} are allowed`,
      'split the task into several, or select whole databases (objects: [{ database: x }]) and use batch mapping rules',
    );
  }
  return objects;
}

function parseObject(o: unknown, key: string): ObjectSpec {
  if (!isObject(o)) fail(key, 'must be an object', 'write { database: name, tables: [a, b] }');
  checkKeys(o, ['database', 'as', 'tables', 'exclude'], key);
  const database = str(o.database, `${key}.database`);
  const as = o.as === undefined ? undefined : name(o.as, `${key}.as`);
  if (o.tables === undefined)
    return {
      database,
      ...(as ? { as } : {}),
      ...(o.exclude === undefined ? {} : { exclude: parseExclude(o.exclude, `${key}.exclude`) }),
    };
  if (o.exclude !== undefined)
    fail(
      `${key}.exclude`,
      'is given together with tables',
      'list the tables to migrate (tables:) or the ones to leave out of the whole database (exclude:), not both',
    );
  if (!Array.isArray(o.tables) || o.tables.length === 0)
    fail(`${key}.tables`, 'must be a non-empty list', 'write tables: [customer, orders] or omit it for every table');
  const tables = o.tables.map((t, j) => parseTable(t, `${key}.tables[${j}]`));
  const dup = tables.find((t, j) => tables.findIndex((u) => u.name === t.name) !== j);
  if (dup) fail(`${key}.tables`, `lists ${dup.name} twice`, 'list each table once');
  return { database, ...(as ? { as } : {}), tables };
}

/** Tables left out of a whole database (e.g. one without a row key). */
function parseExclude(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((t) => typeof t !== 'string' || t.length === 0))
    fail(key, 'must be a non-empty list of table names', 'write exclude: [audit_note]');
  const dup = v.find((t, i) => v.indexOf(t) !== i);
  if (dup) fail(key, `lists ${dup} twice`, 'list each table once');
  return v as string[];
}

export const MAX_MAPPED_TABLES = 1_000;

export function hasTableMapping(t: TableSpec): boolean {
  return t.as !== undefined || t.columns !== undefined || t.filter !== undefined || t.etl !== undefined;
}

/** A destination identifier: what MaxCompute accepts (letters, digits, _; at most 128). */
export function name(v: unknown, key: string): string {
  const s = str(v, key);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(s))
    fail(
      key,
      `"${s}" is not a valid destination name`,
      'use letters, digits and _, starting with a letter or _, at most 128 characters (MaxCompute naming rules)',
    );
  return s;
}

function expression(v: unknown, key: string): string {
  const s = str(v, key);
  if (s.length > 4096) fail(key, `is ${s.length} characters long; at most 4096`, 'shorten the expression');
  return s;
}

function parseTable(t: unknown, key: string): TableSpec {
  if (typeof t === 'string') {
    if (t.length === 0) fail(key, 'is empty', 'write the table name');
    return { name: t };
  }
  if (!isObject(t)) fail(key, 'must be a table name or { name, as, columns, filter, etl }', 'see docs/task-spec.md');
  checkKeys(t, ['name', 'as', 'columns', 'filter', 'etl'], key);
  const out: { -readonly [K in keyof TableSpec]: TableSpec[K] } = { name: str(t.name, `${key}.name`) };
  if (t.as !== undefined) out.as = name(t.as, `${key}.as`);
  if (t.columns !== undefined) {
    if (!isObject(t.columns) || Object.keys(t.columns).length === 0)
      fail(`${key}.columns`, 'must map source column names to destination names', 'write columns: { id: customer_id }');
    const cols: Record<string, string> = {};
    for (const [src, dst] of Object.entries(t.columns)) cols[src] = name(dst, `${key}.columns.${src}`);
    const targets = Object.values(cols).map((c) => c.toLowerCase());
    const dup = targets.find((c, i) => targets.indexOf(c) !== i);
    if (dup) fail(`${key}.columns`, `maps two columns to ${dup}`, 'give each destination column its own name');
    out.columns = cols;
  }
  if (t.filter !== undefined) out.filter = expression(t.filter, `${key}.filter`);
  if (t.etl !== undefined) out.etl = parseEtl(t.etl, `${key}.etl`);
  return out;
}

function parseEtl(raw: unknown, key: string): EtlSpec {
  if (!isObject(raw))
    fail(
      key,
      'must be an object',
      'write etl: { drop: [..], set: { col: expr }, add: [{ name, type, expr }], where: expr }',
    );
  checkKeys(raw, ['drop', 'set', 'add', 'where'], key);
  const out: { -readonly [K in keyof EtlSpec]: EtlSpec[K] } = {};
  if (raw.drop !== undefined) {
    if (!Array.isArray(raw.drop) || raw.drop.some((c) => typeof c !== 'string' || c.length === 0))
      fail(`${key}.drop`, 'must be a list of column names', 'write drop: [password_hash]');
    out.drop = raw.drop as string[];
  }
  if (raw.set !== undefined) {
    if (!isObject(raw.set))
      fail(`${key}.set`, 'must map column names to expressions', 'write set: { email: "LOWER(email)" }');
    out.set = Object.fromEntries(Object.entries(raw.set).map(([c, e]) => [c, expression(e, `${key}.set.${c}`)]));
  }
  if (raw.add !== undefined) {
    if (!Array.isArray(raw.add))
      fail(`${key}.add`, 'must be a list', 'write add: [{ name: total, type: "decimal(12,2)", expr: "price * qty" }]');
    out.add = raw.add.map((a, i) => {
      const k = `${key}.add[${i}]`;
      if (!isObject(a))
        fail(k, 'must be { name, type, expr }', 'write { name: total, type: "decimal(12,2)", expr: "price * qty" }');
      checkKeys(a, ['name', 'type', 'expr'], k);
      return { name: name(a.name, `${k}.name`), type: str(a.type, `${k}.type`), expr: expression(a.expr, `${k}.expr`) };
    });
  }
  if (raw.where !== undefined) out.where = expression(raw.where, `${key}.where`);
  return out;
}
