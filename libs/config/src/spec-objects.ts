import { z } from 'zod';
import { Bad, leaf, section, withMeta, type KeyDoc } from './spec-leaves.js';
import { doc, unchecked } from './spec-keydoc.js';

// Task-spec keys of what is migrated and under which names: `objects` or `dbList` (both
// validated in parse-objects.ts; their rows are listed here) and the batch renaming `mapping`
// (composed in spec-schema.ts).

const objectsRows: Record<string, KeyDoc> = {
  'objects[].database': { type: 'string', default: '— (required)', allowed: 'an existing database (case-sensitive)' },
  'objects[].as': {
    type: 'string',
    default: 'the source name under `mapping` and `capitalization`',
    allowed: 'letters, digits, `_`; ≤ 128',
    meaning: 'Destination database (DuckDB schema / MaxCompute project prefix), used exactly as written.',
  },
  'objects[].tables': {
    type: 'list',
    default: 'every base table of the database',
    allowed: 'table names, or `{name, as, columns, filter, etl}`',
    meaning:
      'Views are never selected; naming one is an error. Every table needs a PRIMARY KEY or a UNIQUE key whose columns are all NOT NULL.',
  },
  'objects[].exclude': {
    type: 'list',
    default: '—',
    allowed: 'table names of the database, each once; not with `tables`',
    meaning:
      'Every base table of the database but these: e.g. `{database: shop, exclude: [audit_note]}` leaves out a table without a row key. A name that is not a table of the database fails the precheck (`TW_OBJECT_NOT_FOUND`), so a typo never migrates what it meant to leave out.',
  },
  'objects[].tables[].as': {
    type: 'string',
    default: 'the source name under `mapping` and `capitalization`',
    allowed: 'letters, digits, `_`',
    meaning:
      'Destination table stem, exactly as written. Two tables mapping to one name fail the precheck (`destination.names`).',
  },
  'objects[].tables[].columns': {
    type: 'mapping',
    default: '—',
    allowed: 'source column → destination name',
    meaning: 'Column renames (key columns too: the merge follows them). Other columns follow `capitalization`.',
  },
  'objects[].tables[].filter': {
    type: 'string',
    default: '—',
    allowed: "a MySQL expression over the table's columns, ≤ 4,096 characters",
    meaning:
      "Row filter: pushed into the full copy's query and applied to change rows ([expressions.md](expressions.md)).",
  },
  'objects[].tables[].etl': {
    type: 'mapping',
    default: '—',
    allowed: '`drop`, `set`, `add`, `where`',
    meaning:
      'Per-row transform in the transform service, full and incremental ([expressions.md](expressions.md#etl-details)).',
  },
};

/** The selection of databases and tables, with per-table options. */
export const objects = withMeta(z.unknown().optional(), {
  doc: {
    type: 'list',
    default: '— (required, at least one entry, unless `dbList` is given)',
    allowed: 'mappings with `database`, `as`, `tables` or `exclude`; each database once',
    meaning:
      "What to migrate. More than 1,000 tables listed one by one with per-table options is refused (DTS's rule; select whole databases and use `mapping:` instead); the precheck item `objects.table_count` applies the same rule after whole databases are expanded.",
  },
  rows: objectsRows,
});

/** The selection as a DTS task's `DbList`, instead of `objects`. */
export const dbList = unchecked({
  type: 'mapping, or the same as a JSON string',
  default: '—',
  allowed: "DTS's `DbList` format",
  meaning: 'Instead of `objects` (not both): the object selection of a DTS task as DTS users already have it (below).',
});

const affix = () =>
  leaf((v) =>
    typeof v === 'string' && /^[A-Za-z0-9_]{0,64}$/.test(v)
      ? v
      : new Bad('must be letters, digits and _ (at most 64)', (k) => `e.g. ${k}: ods_`),
  ).default('');
const mappingSection = section(
  { databasePrefix: affix(), databaseSuffix: affix(), tablePrefix: affix(), tableSuffix: affix() },
  { message: 'must be an object', fix: 'write mapping: { tablePrefix: ods_ }' },
).prefault({});

/** Prefixes and suffixes of every derived destination name. */
export const mapping = doc(mappingSection, {
  default: 'all empty',
  allowed: '`databasePrefix`, `databaseSuffix`, `tablePrefix`, `tableSuffix` (letters, digits, `_`)',
  meaning: 'Batch renaming of every derived database / table name (e.g. `tablePrefix: ods_`).',
});
