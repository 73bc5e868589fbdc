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
 * Renaming (a different `name`) and per-table filters are refused until Tidewater supports
 * them, rather than silently ignored.
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
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || Object.keys(raw).length === 0) fail('must map database names to selections', 'e.g. {"shop": {"name": "shop", "all": true}}');
  return Object.entries(raw as Raw).map(([db, sel]) => {
    if (typeof sel !== 'object' || sel === null) fail(`${db}: must be an object`, 'e.g. {"name": "shop", "all": true}');
    const s = sel as Raw;
    if (s.name !== undefined && s.name !== db) fail(`${db}: renaming to ${String(s.name)} is not supported yet`, 'remove "name" or keep it equal to the database name (object name mapping is planned)');
    if (s.all === true || s.Table === undefined) return { database: db };
    if (typeof s.Table !== 'object' || s.Table === null) fail(`${db}.Table: must be an object`, 'map table names to {"name": ..., "all": true}');
    const tables = Object.entries(s.Table as Raw).map(([t, ts]) => {
      const tsel = (ts ?? {}) as Raw;
      if (tsel.name !== undefined && tsel.name !== t) fail(`${db}.${t}: renaming to ${String(tsel.name)} is not supported yet`, 'remove "name" or keep it equal to the table name');
      if (tsel.filter !== undefined) fail(`${db}.${t}: row filters are not supported yet`, 'remove "filter" (row filter conditions are planned)');
      return t;
    });
    if (tables.length === 0) fail(`${db}: selects no table`, 'set "all": true or list tables under "Table"');
    return { database: db, tables };
  });
}
