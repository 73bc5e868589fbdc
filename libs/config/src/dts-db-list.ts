import { TidewaterError } from '@tidewater/errors';
import type { ObjectSpec } from './task-spec.js';

type Raw = Record<string, unknown>;

function fail(message: string, fix: string): never {
  throw new TidewaterError('TW_SPEC_INVALID', `task spec: dbList: ${message}`, { subject: 'dbList', fix });
}

/**
 * DTS's object selection (the `DbList` of ConfigureDtsJob), as DTS users already have it:
 * `{"shop": {"name": "shop", "all": true}}` or
 * `{"shop": {"name": "shop", "all": false, "Table": {"customer": {"name": "customer", "all": true}}}}`.
 * A different `name` renames the database or table in the destination; a table's `filter`
 * becomes its row filter.
 */
export function objectsFromDtsDbList(input: unknown): ObjectSpec[] {
  let raw = input;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      fail('is not valid JSON', 'paste the DbList JSON of the DTS task as an object or a JSON string');
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0)
    fail('must map database names to selections', 'e.g. {"shop": {"name": "shop", "all": true}}');
  return Object.entries(raw as Raw).map(([db, sel]) => {
    if (typeof sel !== 'object' || sel === null) fail(`${db}: must be an object`, 'e.g. {"name": "shop", "all": true}');
    const s = sel as Raw;
    const as = s.name !== undefined && s.name !== db ? String(s.name) : undefined;
    const dbPart = { database: db, ...(as ? { as } : {}) };
    if (s.all === true || s.Table === undefined) return dbPart;
    if (typeof s.Table !== 'object' || s.Table === null)
      fail(`${db}.Table: must be an object`, 'map table names to {"name": ..., "all": true}');
    const tables = Object.entries(s.Table as Raw).map(([t, ts]) => {
      const tsel = (ts ?? {}) as Raw;
      if (tsel.filter !== undefined && (typeof tsel.filter !== 'string' || tsel.filter.length === 0))
        fail(`${db}.${t}.filter: must be a non-empty string`, 'write the WHERE condition, e.g. "filter": "id > 10"');
      return {
        name: t,
        ...(tsel.name !== undefined && tsel.name !== t ? { as: String(tsel.name) } : {}),
        ...(typeof tsel.filter === 'string' ? { filter: tsel.filter } : {}),
      };
    });
    if (tables.length === 0) fail(`${db}: selects no table`, 'set "all": true or list tables under "Table"');
    return { ...dbPart, tables };
  });
}
