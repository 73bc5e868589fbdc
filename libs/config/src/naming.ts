import type { Capitalization, TableSpec, TaskSpec } from './task-spec.js';

/** Where one source table lands and what its columns are called there. */
export interface TableNaming {
  /** Destination schema (the mapped database). */
  readonly schema: string;
  /** Destination table stem: `<stem>_base`, `<stem>_log`, `<stem>_merged`. */
  readonly stem: string;
  /** Destination name of a source column. */
  column(sourceColumn: string): string;
  /** The table's entry in the spec, when it was selected by name. */
  readonly spec: TableSpec | undefined;
}

/**
 * Derived names take the batch prefixes/suffixes and then the capitalization policy;
 * names written explicitly (`as`, `columns`) are used exactly as written.
 * `dts` is DTS's default policy for a MaxCompute destination: MaxCompute keeps names
 * lower-case, so derived names are lower-cased.
 */
export function tableNaming(spec: TaskSpec, database: string, table: string): TableNaming {
  const obj = spec.objects.find((o) => o.database === database);
  const tspec = obj?.tables?.find((t) => t.name === table);
  const m = spec.mapping;
  const cap = (s: string) => capitalize(s, spec.capitalization);
  const renames = new Map(Object.entries(tspec?.columns ?? {}).map(([src, dst]) => [src.toLowerCase(), dst]));
  return {
    schema: obj?.as ?? cap(`${m.databasePrefix}${database}${m.databaseSuffix}`),
    stem: tspec?.as ?? cap(`${m.tablePrefix}${table}${m.tableSuffix}`),
    // MySQL column names are case-insensitive: so is the lookup.
    column: (c) => renames.get(c.toLowerCase()) ?? cap(c),
    spec: tspec,
  };
}

export function capitalize(name: string, policy: Capitalization): string {
  switch (policy) {
    case 'source':
      return name;
    case 'upper':
      return name.toUpperCase();
    default:
      return name.toLowerCase();
  }
}

/** The source tables a spec selects by name (whole databases are listed as `tables: undefined`, less `exclude`). */
export function selections(spec: TaskSpec): { database: string; tables?: string[]; exclude?: string[] }[] {
  return spec.objects.map((o) => ({
    database: o.database,
    tables: o.tables?.map((t) => t.name),
    ...(o.exclude ? { exclude: [...o.exclude] } : {}),
  }));
}
