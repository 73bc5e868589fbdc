import { z } from 'zod';
import { parseSource, SOURCE_DEFAULTS } from './parse-source.js';
import {
  Bad,
  checkOneOf,
  checkStr,
  guard,
  int,
  leaf,
  oneOf,
  section,
  str,
  withMeta,
  type KeyDoc,
} from './spec-leaves.js';
import type { PartitionColumn, TaskSpec } from './task-spec.js';

// The one list of task-spec keys: the validation (with its defaults), and the key table of
// docs/task-spec.md (tools/docs/spec-table.ts writes it; spec-doc.test.ts fails when it is stale).
// `objects`/`dbList` are validated in parse-objects.ts (their rows are listed here).

const doc = <T extends z.ZodType>(schema: T, d: KeyDoc): T => withMeta(schema, { doc: d });
const unchecked = (d: KeyDoc) => doc(z.unknown().optional(), d);

const PARTITIONS: readonly PartitionColumn[] = [
  'modifytime_year',
  'modifytime_month',
  'modifytime_day',
  'modifytime_hour',
  'modifytime_minute',
];
/** full.chunkRows / full.batchRows: batches the sink holds per chunk (10,000 may be pending per partition). */
const BATCHES_PER_CHUNK = 1_000;
const RATE = [0, 100_000_000] as const;

const name = leaf((v) => {
  const s = checkStr(v);
  // The name becomes a NATS subject token and part of consumer names: no dots.
  if (s instanceof Bad || /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(s)) return s;
  return new Bad('may hold letters, digits, _ and - (at most 63, no dots)', () => 'rename the task');
});

const source = withMeta(
  section(
    {
      url: unchecked({
        type: 'string',
        allowed: '`mysql://user:password@host:port` or `mariadb://…`',
        meaning:
          'User and password are percent-decoded (`%40` for `@`, `%3A` for `:`, `%2F` for `/`, `%25` for `%`, `%23` for `#`, `%3F` for `?`; a URL broken by a raw one is refused with this hint, or give the password as `source.password`); port defaults to 3306; an IPv6 host goes in brackets; a path is ignored. Not together with `host`/`port`.',
      }),
      host: unchecked({ type: 'string', default: '— (required without `url`)', allowed: 'non-empty' }),
      port: unchecked({ type: 'integer', default: `\`${SOURCE_DEFAULTS.port}\``, allowed: '1 … 65,535' }),
      user: unchecked({
        type: 'string',
        default: `\`${SOURCE_DEFAULTS.user}\``,
        allowed: 'non-empty',
        meaning:
          'Also used with `url` when the URL has no user. Needs SELECT, and for incremental tasks REPLICATION SLAVE and REPLICATION CLIENT.',
      }),
      password: unchecked({
        type: 'string',
        default: '`""`',
        allowed: 'any',
        meaning: 'Also used with `url` when the URL has no password. Never echoed (below).',
      }),
    },
    { message: 'is required', fix: 'add source: { url: mysql://user:pass@host:3306 } or host/port/user/password keys' },
  ).transform(guard(parseSource)),
  {
    doc: {
      type: 'mapping',
      allowed: '`url`, or `host`/`port`/`user`/`password`',
      meaning: 'The MySQL, MariaDB or PolarDB for MySQL server.',
    },
  },
);

const destination = doc(
  section(
    {
      type: doc(oneOf(['duckdb'] as const).default('duckdb'), {
        meaning: 'The embedded warehouse file (the only destination today).',
      }),
      path: doc(str().default('./warehouse.duckdb'), {
        allowed: 'a file path',
        meaning:
          "Opened by the sink process: a relative path is relative to the sink's working directory (for `tidewater migrate`/`up`, where you ran it; in the containers of `deploy/`, `/app`, so use `/warehouse/<name>.duckdb`). Tasks may share a file.",
      }),
    },
    { message: 'must be an object', fix: 'write destination: { type: duckdb, path: ./warehouse.duckdb }' },
  ).prefault({}),
  {},
);

const migrationTypes = leaf((v): ('schema' | 'full' | 'incremental')[] | Bad | Bad[] => {
  const fix = () => 'write [schema, full] or [schema, full, incremental]';
  if (!Array.isArray(v)) return new Bad('must be a list', fix);
  const types = v.map((t) => checkOneOf(t, ['schema', 'full', 'incremental'] as const));
  const bad = types.flatMap((t, i) => (t instanceof Bad ? [new Bad(t.message, t.fix, [i])] : []));
  if (bad.length) return bad;
  return types.includes('schema')
    ? (types as ('schema' | 'full' | 'incremental')[])
    : new Bad('must include schema', fix);
});

const full = section({
  chunkRows: doc(int(100, 10_000_000).default(50_000), {
    meaning:
      'Target rows per chunk: the unit of parallel work and of crash recovery. A dense single-column integer key is split arithmetically (no chunk above 2 × `chunkRows`); other keys by walking the key index.',
  }),
  batchRows: doc(int(1, 100_000).default(2_000), {
    meaning: 'Most rows per bus message; a batch is also cut at about 768 KiB of encoded rows.',
  }),
  parallelChunks: doc(int(1, 64).default(4), {
    meaning: 'Chunks each snapshot instance copies at once; it opens `parallelChunks + 1` source connections.',
  }),
}).superRefine(({ chunkRows, batchRows }, ctx) => {
  // The sink holds a chunk's batches unacknowledged until the chunk commits, and a partition
  // allows 10,000 pending messages: far fewer batches per chunk leaves room for wide rows
  // (batches are also cut at ~768 KiB) and for several chunks in flight.
  if (chunkRows / batchRows <= BATCHES_PER_CHUNK) return;
  const fix = `lower full.chunkRows or raise full.batchRows (e.g. batchRows: ${Math.ceil(chunkRows / BATCHES_PER_CHUNK)})`;
  ctx.addIssue({
    code: 'custom',
    path: ['chunkRows'],
    message: `${chunkRows} rows per chunk in batches of ${batchRows} is ${Math.ceil(chunkRows / batchRows)} batches per chunk; at most ${BATCHES_PER_CHUNK}`,
    params: { fix: () => fix },
  });
});

const partition = leaf((v): PartitionColumn[] | Bad | Bad[] => {
  if (!Array.isArray(v)) return new Bad('must be a list', () => `choose from ${PARTITIONS.join(', ')}`);
  const cols = v.map((p) => checkOneOf(p, PARTITIONS));
  const bad = cols.flatMap((p, i) => (p instanceof Bad ? [new Bad(p.message, p.fix, [i])] : []));
  if (bad.length) return bad;
  const dup = cols.find((p, i) => cols.indexOf(p) !== i);
  return dup
    ? new Bad(`lists ${String(dup)} twice`, () => 'list each partition column once')
    : (cols as PartitionColumn[]);
});

const incremental = section({
  additionalColumnRule: doc(oneOf(['previous', 'new'] as const).default('previous'), {
    meaning:
      "DTS's naming rule for the additional columns of `_log`: `new` prefixes each with `new_dts_sync_` ([merge.md](merge.md)). Under `previous`, a source column named like one of them fails the precheck.",
  }),
  partition: doc(partition.default([]), {
    type: 'list',
    allowed: `${PARTITIONS.map((p) => `\`${p}\``).join(', ')}, each at most once`,
    meaning: "DTS's partition definition: extra `_log` columns derived from the event time (UTC), in the listed order.",
  }),
  batchRows: doc(int(1, 100_000).default(5_000), {
    meaning:
      'A change batch is sent at the first commit that brings it to this many rows or about 768 KiB. A transaction is never split, so a larger transaction travels as one batch (in fragments when it exceeds a bus message).',
  }),
  flushMs: doc(int(1, 60_000).default(50), {
    meaning: 'Longest a committed change waits in capture before its batch is sent.',
  }),
});

const rate = () => int(...RATE).default(0);
const throttle = section(
  {
    full: doc(
      section(
        { qps: rate(), rps: rate(), mbps: rate() },
        { message: 'must be an object', fix: 'keys: qps, rps, mbps (0 = unlimited)' },
      ).prefault({}),
      {
        allowed: 'integers ≥ 0',
        meaning:
          'Full copy limits per snapshot instance: source queries/s (one query per chunk), rows/s, MB/s (10⁶ bytes of encoded rows). 0 = unlimited.',
      },
    ),
    incremental: doc(
      section(
        { rps: rate(), mbps: rate() },
        { message: 'must be an object', fix: 'keys: rps, mbps (0 = unlimited)' },
      ).prefault({}),
      {
        allowed: 'integers ≥ 0',
        meaning:
          'Change-stream limits: rows/s (an UPDATE counts two, as in `_log`), MB/s. Both throttles can be changed on a running task: `tidewater task throttle ID …` / `SetThrottle`.',
      },
    ),
  },
  { message: 'must be an object', fix: 'write throttle: { full: { rps: 50000 }, incremental: { rps: 10000 } }' },
).prefault({});

/** DTS's two retry windows; the one for other issues must be the smaller. */
const retry = section(
  {
    connectionMinutes: doc(int(10, 1440).default(720), {
      meaning:
        'DTS "retry time for failed connections": how long lost connections to the source or bus are retried before the task fails ([control-plane.md](control-plane.md#retries)).',
    }),
    otherMinutes: doc(int(1, 1440).optional(), {
      default: '`10`',
      allowed: '1 … 1,440, smaller than `connectionMinutes`',
      meaning: 'DTS "retry time for other issues".',
    }),
  },
  { message: 'must be an object', fix: 'write retry: { connectionMinutes: 720, otherMinutes: 10 }' },
)
  .prefault({})
  .transform(({ connectionMinutes, otherMinutes = Math.min(10, connectionMinutes - 1) }, ctx) => {
    if (otherMinutes < connectionMinutes) return { connectionMinutes, otherMinutes };
    ctx.addIssue({
      code: 'custom',
      path: ['otherMinutes'],
      message: `(${otherMinutes}) must be smaller than retry.connectionMinutes (${connectionMinutes})`,
      params: { fix: () => 'lower retry.otherMinutes or raise retry.connectionMinutes' },
    });
    return z.NEVER;
  });

const affix = () =>
  leaf((v) =>
    typeof v === 'string' && /^[A-Za-z0-9_]{0,64}$/.test(v)
      ? v
      : new Bad('must be letters, digits and _ (at most 64)', (k) => `e.g. ${k}: ods_`),
  ).default('');
const mapping = section(
  { databasePrefix: affix(), databaseSuffix: affix(), tablePrefix: affix(), tableSuffix: affix() },
  { message: 'must be an object', fix: 'write mapping: { tablePrefix: ods_ }' },
).prefault({});

const heartbeatTable = leaf((v) => {
  const s = checkStr(v);
  if (s instanceof Bad || /^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/.test(s)) return s;
  return new Bad(`"${s}" is not database.table`, () => 'write e.g. heartbeat: { table: tidewater.heartbeat }');
});
// `heartbeat: true` is short for `{ enabled: true }`; a mapping without `enabled` turns it on.
const heartbeat = z.preprocess(
  (v) => (v === undefined ? { enabled: false } : typeof v === 'boolean' ? { enabled: v } : v),
  section(
    {
      enabled: leaf((v) =>
        typeof v === 'boolean' ? v : new Bad('must be true or false', () => 'write heartbeat: { enabled: true }'),
      ).default(true),
      table: heartbeatTable.default('tidewater.heartbeat'),
      intervalMs: int(100, 60_000).default(1_000),
    },
    { message: 'must be true/false or { enabled, table, intervalMs }', fix: 'write heartbeat: true' },
  ),
);

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

/** Every key of a task spec; the order is the docs table's and that of a validated spec's keys. */
export const taskSpecSchema = section({
  name: doc(name, {
    type: 'string',
    allowed: '`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$` (no `.`: the id is a NATS subject token)',
    meaning:
      'The task id. Creating a task with an existing name and the identical spec returns the existing task (this is how a re-run of `migrate` continues); a different spec under the same name is refused.',
  }),
  source,
  destination,
  migrationTypes: doc(migrationTypes.default(['schema', 'full']), {
    type: 'list',
    allowed: '`schema`, `full`, `incremental`; must include `schema`',
    meaning:
      '`[schema]`: tables only. `[schema, full]`: copy and complete. `[schema, full, incremental]`: copy, then stream changes until stopped. `[schema, incremental]`: no copy, `_log` from the binlog position taken in the schema stage.',
  }),
  objects: withMeta(z.unknown().optional(), {
    doc: {
      type: 'list',
      default: '— (required, at least one entry, unless `dbList` is given)',
      allowed: 'mappings with `database`, `as`, `tables` or `exclude`; each database once',
      meaning:
        "What to migrate. More than 1,000 tables listed one by one with per-table options is refused (DTS's rule; select whole databases and use `mapping:` instead); the precheck item `objects.table_count` applies the same rule after whole databases are expanded.",
    },
    rows: objectsRows,
  }),
  dbList: unchecked({
    type: 'mapping, or the same as a JSON string',
    default: '—',
    allowed: "DTS's `DbList` format",
    meaning:
      'Instead of `objects` (not both): the object selection of a DTS task as DTS users already have it (below).',
  }),
  full: doc(full.prefault({}), { default: '', meaning: 'Full data migration.' }),
  incremental: doc(incremental.prefault({}), {
    default: '',
    meaning: 'Incremental migration (validated even when `incremental` is not in `migrationTypes`).',
  }),
  conflictMode: doc(oneOf(['precheck', 'ignore'] as const).default('precheck'), {
    meaning:
      "DTS's processing mode of conflicting tables. `precheck`: the precheck item `destination.conflict` fails if `<t>_base` or `<t>_log` exists and was not created by this task (and the schema stage refuses it with `TW_DEST_CONFLICT`). `ignore`: the item is a warning to accept; the existing table is adopted — the full copy inserts only keys it does not hold (**an existing row wins** on a key conflict), the change stream overwrites (the `_merged` view shows the source's latest row), and only the columns the existing table shares with the source are migrated. An existing table without the key columns (or a `_log` without the additional columns) fails clearly.",
  }),
  temporalMapping: doc(oneOf(['native', 'string'] as const).default('native'), {
    meaning:
      '`native`: DATE → DATE, DATETIME/TIMESTAMP → TIMESTAMP, zero dates become NULL. `string`: these columns are VARCHAR holding exactly what MySQL prints, zero dates included ([type-mapping.md](type-mapping.md)).',
  }),
  retry,
  capitalization: doc(oneOf(['dts', 'source', 'lower', 'upper'] as const).default('dts'), {
    meaning:
      "Case of derived destination names (databases, tables, columns). `dts` is DTS's default for MaxCompute, which keeps names lower-case; `source` keeps the source spelling. Names written in `as`/`columns` are kept as written; `_base`/`_log`/`_merged` and the additional columns stay lower-case.",
  }),
  mapping: doc(mapping, {
    default: 'all empty',
    allowed: '`databasePrefix`, `databaseSuffix`, `tablePrefix`, `tableSuffix` (letters, digits, `_`)',
    meaning: 'Batch renaming of every derived database / table name (e.g. `tablePrefix: ods_`).',
  }),
  throttle,
  heartbeat: doc(heartbeat, {
    type: 'boolean or mapping',
    default: '`false`',
    allowed: '`true`/`false`, or `{enabled, table, intervalMs}` (table `tidewater.heartbeat`, 1,000 ms)',
    meaning:
      "DTS's heartbeat table. On: capture creates the table on the source and rewrites one row per task every interval (needs CREATE, INSERT, UPDATE on its database: precheck item `heartbeat.privileges`); its events measure lag end to end while the source is idle and are not migrated. Off: nothing is written to the source; the source's binlog heartbeat (capture asks for one per idle second) tells where its binlog ends; once the destination has applied up to there, it is current as of that moment and the lag reads ~0.",
  }),
});

/** A spec as the schema validates it: everything but `objects`, which parse-objects.ts fills in. */
export type SchemaSpec = z.output<typeof taskSpecSchema>;
// The schema's output is a TaskSpec (objects aside) with the same keys: a key added to one and
// not the other, or typed differently, fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Same<Exclude<keyof SchemaSpec, 'dbList'>, keyof TaskSpec> = true;
const fitsTaskSpec = (s: Omit<SchemaSpec, 'objects' | 'dbList'>): Omit<TaskSpec, 'objects'> => s;
void sameKeys;
void fitsTaskSpec;

/** The defaults of every section, as a spec without them gets them. */
export const DEFAULTS = {
  source: SOURCE_DEFAULTS,
  destination: taskSpecSchema.shape.destination.parse(undefined),
  migrationTypes: taskSpecSchema.shape.migrationTypes.parse(undefined),
  full: taskSpecSchema.shape.full.parse(undefined),
  incremental: taskSpecSchema.shape.incremental.parse(undefined),
  conflictMode: taskSpecSchema.shape.conflictMode.parse(undefined),
  temporalMapping: taskSpecSchema.shape.temporalMapping.parse(undefined),
  retry: taskSpecSchema.shape.retry.parse(undefined),
  capitalization: taskSpecSchema.shape.capitalization.parse(undefined),
  heartbeat: taskSpecSchema.shape.heartbeat.parse(undefined),
};
