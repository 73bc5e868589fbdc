import { parse as parseYaml } from 'yaml';
import { TidewaterError } from '@tidewater/errors';
import { DEFAULTS, LIMITS } from './defaults.js';
import { objectsFromDtsDbList } from './dts-db-list.js';
import type { FullOptions, IncrementalOptions, MigrationType, ObjectSpec, PartitionColumn, RetryOptions, SourceSpec, TaskSpec, TableSpec, EtlSpec, BatchMapping, ThrottleOptions, HeartbeatOptions } from './task-spec.js';

type Raw = Record<string, unknown>;

const TOP_KEYS = ['name', 'source', 'destination', 'migrationTypes', 'objects', 'dbList', 'full', 'incremental', 'conflictMode', 'temporalMapping', 'retry', 'capitalization', 'mapping', 'throttle', 'heartbeat'];
/** The keys of each top-level mapping: checked there, and suggested when one is written at the top level. */
const NESTED_KEYS = {
  source: ['url', 'host', 'port', 'user', 'password'],
  destination: ['type', 'path'],
  full: ['chunkRows', 'batchRows', 'parallelChunks'],
  incremental: ['additionalColumnRule', 'partition', 'batchRows', 'flushMs'],
  retry: ['connectionMinutes', 'otherMinutes'],
  mapping: ['databasePrefix', 'databaseSuffix', 'tablePrefix', 'tableSuffix'],
  throttle: ['full', 'incremental'],
  heartbeat: ['enabled', 'table', 'intervalMs'],
} as const satisfies Record<string, readonly string[]>;
const PARTITIONS: readonly PartitionColumn[] = ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'];

function fail(key: string, message: string, fix: string): never {
  throw new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${message}`, { subject: key, fix });
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every unknown key of the mapping, in one error. */
function checkKeys(obj: Raw, allowed: readonly string[], where: string): void {
  const problems: TidewaterError[] = [];
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    collect(problems, () => {
      const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2) ?? (where ? undefined : nestedKey(key));
      fail(where ? `${where}.${key}` : key, 'unknown key', near ? `did you mean "${near}"? See docs/task-spec.md` : `allowed keys: ${allowed.join(', ')} (docs/task-spec.md)`);
    });
  }
  throwProblems(problems);
}

/** `chunkRows` at the top level → `full.chunkRows` (both places when it exists in several). */
function nestedKey(key: string): string | undefined {
  const found = Object.entries(NESTED_KEYS).filter(([, keys]) => keys.some((k) => k.toLowerCase() === key.toLowerCase())).map(([parent, keys]) => `${parent}.${keys.find((k) => k.toLowerCase() === key.toLowerCase())}`);
  return found.length ? found.join('" or "') : undefined;
}

/**
 * Runs one independent part of the validation, keeping its spec error instead of throwing:
 * a spec is checked whole, so the user fixes every problem in one pass.
 */
function collect<T>(problems: TidewaterError[], part: () => T): T | undefined {
  try {
    return part();
  } catch (e) {
    if (!(e instanceof TidewaterError) || e.code !== 'TW_SPEC_INVALID') throw e;
    problems.push(...((e.details.problems as TidewaterError[] | undefined) ?? [e]));
    return undefined;
  }
}

/** One problem as itself; several as one error listing each key, message and fix. */
function throwProblems(problems: readonly TidewaterError[]): void {
  if (problems.length === 0) return;
  if (problems.length === 1) throw problems[0]!;
  const lines = problems.map((p) => `  - ${p.message.replace(/^task spec: /, '')}\n      fix: ${p.details.fix ?? 'see docs/task-spec.md'}`);
  throw new TidewaterError('TW_SPEC_INVALID', `task spec has ${problems.length} problems:\n${lines.join('\n')}`, {
    subject: problems.map((p) => p.details.subject).join(', '),
    fix: 'fix each key listed above (docs/task-spec.md)',
    problems,
  });
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function str(v: unknown, key: string, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v.length === 0) fail(key, v === undefined ? 'is required' : 'must be a non-empty string', `set ${key} to a string`);
  return v;
}

function int(v: unknown, key: string, fallback: number, [min, max]: readonly [number, number]): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(key, `must be an integer from ${min} to ${max}`, `set ${key} within ${min}..${max}`);
  return v;
}

function oneOf<T extends string>(v: unknown, key: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) fail(key, `must be one of ${allowed.join(', ')}`, `set ${key} to ${allowed.map((a) => `"${a}"`).join(' or ')}`);
  return v as T;
}

const RAW_CREDENTIALS_FIX = 'percent-encode special characters of the user and password (@ → %40, : → %3A, / → %2F, % → %25, # → %23, ? → %3F), or give them as source.user and source.password';

/** A user or password from `source.url`; the message never quotes it (it may be the password). */
function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail('source.url', 'has an invalid percent-escape in its user or password', `write a literal % as %25; ${RAW_CREDENTIALS_FIX}`);
  }
}

function parseSource(raw: unknown): SourceSpec {
  if (!isObject(raw)) fail('source', 'is required', 'add source: { url: mysql://user:pass@host:3306 } or host/port/user/password keys');
  checkKeys(raw, NESTED_KEYS.source, 'source');
  if (raw.url !== undefined) {
    if (raw.host !== undefined || raw.port !== undefined) fail('source', 'has both url and host/port', 'give either url or host/port/user/password');
    let u: URL;
    try {
      u = new URL(str(raw.url, 'source.url'));
    } catch {
      fail('source.url', 'is not a valid URL', `write it as mysql://user:password@host:3306${String(raw.url).includes('@') ? `; ${RAW_CREDENTIALS_FIX}` : ''}`);
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') fail('source.url', `has scheme ${u.protocol} `, 'use mysql://user:password@host:3306');
    // A raw / ? or # in the password ends the host part early: the rest, credentials
    // included, lands in the path, and the server would be asked as the wrong user.
    if (`${u.pathname}${u.search}${u.hash}`.includes('@')) fail('source.url', 'has an @ after the host part: the user or password holds a character that ends it', RAW_CREDENTIALS_FIX);
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : DEFAULTS.sourcePort,
      user: u.username ? decodeUrlPart(u.username) : (typeof raw.user === 'string' ? raw.user : DEFAULTS.sourceUser),
      password: u.password ? decodeUrlPart(u.password) : (typeof raw.password === 'string' ? raw.password : ''),
    };
  }
  return {
    host: str(raw.host, 'source.host'),
    port: int(raw.port, 'source.port', DEFAULTS.sourcePort, [1, 65535]),
    user: str(raw.user, 'source.user', DEFAULTS.sourceUser),
    password: raw.password === undefined ? '' : typeof raw.password === 'string' ? raw.password : fail('source.password', 'must be a string', 'quote the password'),
  };
}

function parseObjects(raw: unknown): ObjectSpec[] {
  if (!Array.isArray(raw) || raw.length === 0) fail('objects', 'must list at least one database', 'add objects: [{ database: shop }] (docs/task-spec.md)');
  const problems: TidewaterError[] = [];
  const parsed = raw.map((o, i) => collect(problems, () => parseObject(o, `objects[${i}]`)));
  throwProblems(problems);
  const objects = parsed as ObjectSpec[];
  const dupDb = objects.find((o, i) => objects.findIndex((p) => p.database === o.database) !== i);
  if (dupDb) fail('objects', `lists database ${dupDb.database} twice`, 'merge its entries into one');
  const mapped = objects.flatMap((o) => o.tables ?? []);
  // DTS's rule: per-table configuration does not scale past 1,000 tables in one task.
  if (mapped.length > MAX_MAPPED_TABLES && mapped.some(hasTableMapping)) {
    fail('objects', `selects ${mapped.length} tables one by one with per-table mapping, filters or ETL; at most ${MAX_MAPPED_TABLES} are allowed`, 'split the task into several, or select whole databases (objects: [{ database: x }]) and use batch mapping rules');
  }
  return objects;
}

function parseObject(o: unknown, key: string): ObjectSpec {
  if (!isObject(o)) fail(key, 'must be an object', 'write { database: name, tables: [a, b] }');
  checkKeys(o, ['database', 'as', 'tables', 'exclude'], key);
  const database = str(o.database, `${key}.database`);
  const as = o.as === undefined ? undefined : name(o.as, `${key}.as`);
  if (o.tables === undefined) return { database, ...(as ? { as } : {}), ...(o.exclude === undefined ? {} : { exclude: parseExclude(o.exclude, `${key}.exclude`) }) };
  if (o.exclude !== undefined) fail(`${key}.exclude`, 'is given together with tables', 'list the tables to migrate (tables:) or the ones to leave out of the whole database (exclude:), not both');
  if (!Array.isArray(o.tables) || o.tables.length === 0) fail(`${key}.tables`, 'must be a non-empty list', 'write tables: [customer, orders] or omit it for every table');
  const tables = o.tables.map((t, j) => parseTable(t, `${key}.tables[${j}]`));
  const dup = tables.find((t, j) => tables.findIndex((u) => u.name === t.name) !== j);
  if (dup) fail(`${key}.tables`, `lists ${dup.name} twice`, 'list each table once');
  return { database, ...(as ? { as } : {}), tables };
}

/** Tables left out of a whole database (e.g. one without a row key). */
function parseExclude(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((t) => typeof t !== 'string' || t.length === 0)) fail(key, 'must be a non-empty list of table names', 'write exclude: [audit_note]');
  const dup = v.find((t, i) => v.indexOf(t) !== i);
  if (dup) fail(key, `lists ${dup} twice`, 'list each table once');
  return v as string[];
}

export const MAX_MAPPED_TABLES = 1_000;

export function hasTableMapping(t: TableSpec): boolean {
  return t.as !== undefined || t.columns !== undefined || t.filter !== undefined || t.etl !== undefined;
}

/** A destination identifier: what MaxCompute accepts (letters, digits, _; at most 128). */
function name(v: unknown, key: string): string {
  const s = str(v, key);
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(s)) fail(key, `"${s}" is not a valid destination name`, 'use letters, digits and _, starting with a letter or _, at most 128 characters (MaxCompute naming rules)');
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
    if (!isObject(t.columns) || Object.keys(t.columns).length === 0) fail(`${key}.columns`, 'must map source column names to destination names', 'write columns: { id: customer_id }');
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
  if (!isObject(raw)) fail(key, 'must be an object', 'write etl: { drop: [..], set: { col: expr }, add: [{ name, type, expr }], where: expr }');
  checkKeys(raw, ['drop', 'set', 'add', 'where'], key);
  const out: { -readonly [K in keyof EtlSpec]: EtlSpec[K] } = {};
  if (raw.drop !== undefined) {
    if (!Array.isArray(raw.drop) || raw.drop.some((c) => typeof c !== 'string' || c.length === 0)) fail(`${key}.drop`, 'must be a list of column names', 'write drop: [password_hash]');
    out.drop = raw.drop as string[];
  }
  if (raw.set !== undefined) {
    if (!isObject(raw.set)) fail(`${key}.set`, 'must map column names to expressions', "write set: { email: \"LOWER(email)\" }");
    out.set = Object.fromEntries(Object.entries(raw.set).map(([c, e]) => [c, expression(e, `${key}.set.${c}`)]));
  }
  if (raw.add !== undefined) {
    if (!Array.isArray(raw.add)) fail(`${key}.add`, 'must be a list', 'write add: [{ name: total, type: "decimal(12,2)", expr: "price * qty" }]');
    out.add = raw.add.map((a, i) => {
      const k = `${key}.add[${i}]`;
      if (!isObject(a)) fail(k, 'must be { name, type, expr }', 'write { name: total, type: "decimal(12,2)", expr: "price * qty" }');
      checkKeys(a, ['name', 'type', 'expr'], k);
      return { name: name(a.name, `${k}.name`), type: str(a.type, `${k}.type`), expr: expression(a.expr, `${k}.expr`) };
    });
  }
  if (raw.where !== undefined) out.where = expression(raw.where, `${key}.where`);
  return out;
}

function parseMapping(raw: unknown): BatchMapping {
  const r = raw === undefined ? {} : raw;
  if (!isObject(r)) fail('mapping', 'must be an object', 'write mapping: { tablePrefix: ods_ }');
  checkKeys(r, NESTED_KEYS.mapping, 'mapping');
  const affix = (v: unknown, key: string): string => {
    if (v === undefined) return '';
    if (typeof v !== 'string' || !/^[A-Za-z0-9_]{0,64}$/.test(v)) fail(key, 'must be letters, digits and _ (at most 64)', `e.g. ${key}: ods_`);
    return v;
  };
  return {
    databasePrefix: affix(r.databasePrefix, 'mapping.databasePrefix'),
    databaseSuffix: affix(r.databaseSuffix, 'mapping.databaseSuffix'),
    tablePrefix: affix(r.tablePrefix, 'mapping.tablePrefix'),
    tableSuffix: affix(r.tableSuffix, 'mapping.tableSuffix'),
  };
}

function parseThrottle(raw: unknown): ThrottleOptions {
  const r = raw === undefined ? {} : raw;
  if (!isObject(r)) fail('throttle', 'must be an object', 'write throttle: { full: { rps: 50000 }, incremental: { rps: 10000 } }');
  checkKeys(r, NESTED_KEYS.throttle, 'throttle');
  const part = (v: unknown, key: string, keys: readonly string[]): Raw => {
    if (v === undefined) return {};
    if (!isObject(v)) fail(key, 'must be an object', `keys: ${keys.join(', ')} (0 = unlimited)`);
    checkKeys(v, keys, key);
    return v;
  };
  const f = part(r.full, 'throttle.full', ['qps', 'rps', 'mbps']);
  const inc = part(r.incremental, 'throttle.incremental', ['rps', 'mbps']);
  const rate = (v: unknown, key: string) => int(v, key, 0, LIMITS.throttle);
  return {
    full: { qps: rate(f.qps, 'throttle.full.qps'), rps: rate(f.rps, 'throttle.full.rps'), mbps: rate(f.mbps, 'throttle.full.mbps') },
    incremental: { rps: rate(inc.rps, 'throttle.incremental.rps'), mbps: rate(inc.mbps, 'throttle.incremental.mbps') },
  };
}

function parseHeartbeat(raw: unknown): HeartbeatOptions {
  const d = DEFAULTS.heartbeat;
  if (raw === undefined) return { ...d };
  if (typeof raw === 'boolean') return { ...d, enabled: raw };
  if (!isObject(raw)) fail('heartbeat', 'must be true/false or { enabled, table, intervalMs }', 'write heartbeat: true');
  checkKeys(raw, NESTED_KEYS.heartbeat, 'heartbeat');
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') fail('heartbeat.enabled', 'must be true or false', 'write heartbeat: { enabled: true }');
  const table = str(raw.table, 'heartbeat.table', d.table);
  if (!/^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/.test(table)) fail('heartbeat.table', `"${table}" is not database.table`, 'write e.g. heartbeat: { table: tidewater.heartbeat }');
  return { enabled: raw.enabled === undefined ? true : raw.enabled, table, intervalMs: int(raw.intervalMs, 'heartbeat.intervalMs', d.intervalMs, LIMITS.heartbeatMs) };
}

function objectsOf(raw: Raw): ObjectSpec[] {
  if (raw.dbList !== undefined) {
    if (raw.objects !== undefined) fail('dbList', 'is given together with objects', 'use one of them');
    // Same validation as `objects:` (names, filters, the table-count rule).
    return parseObjects(objectsFromDtsDbList(raw.dbList));
  }
  return parseObjects(raw.objects);
}

function parseIncremental(raw: unknown): IncrementalOptions {
  const d = DEFAULTS.incremental;
  if (raw === undefined) return { ...d, partition: [] };
  if (!isObject(raw)) fail('incremental', 'must be an object', 'see docs/task-spec.md');
  checkKeys(raw, NESTED_KEYS.incremental, 'incremental');
  let partition: PartitionColumn[] = [];
  if (raw.partition !== undefined) {
    if (!Array.isArray(raw.partition)) fail('incremental.partition', 'must be a list', `choose from ${PARTITIONS.join(', ')}`);
    partition = raw.partition.map((p, i) => oneOf(p, `incremental.partition[${i}]`, PARTITIONS, 'modifytime_year'));
    const dup = partition.find((p, i) => partition.indexOf(p) !== i);
    if (dup) fail('incremental.partition', `lists ${dup} twice`, 'list each partition column once');
  }
  return {
    additionalColumnRule: oneOf(raw.additionalColumnRule, 'incremental.additionalColumnRule', ['previous', 'new'], d.additionalColumnRule),
    partition,
    batchRows: int(raw.batchRows, 'incremental.batchRows', d.batchRows, LIMITS.batchRows),
    flushMs: int(raw.flushMs, 'incremental.flushMs', d.flushMs, LIMITS.flushMs),
  };
}

function parseName(raw: unknown): string {
  const name = str(raw, 'name');
  // The name becomes a NATS subject token and part of consumer names: no dots.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) fail('name', 'may hold letters, digits, _ and - (at most 63, no dots)', 'rename the task');
  return name;
}

function parseDestination(raw: unknown): TaskSpec['destination'] {
  if (raw === undefined) return { ...DEFAULTS.destination } as TaskSpec['destination'];
  if (!isObject(raw)) fail('destination', 'must be an object', 'write destination: { type: duckdb, path: ./warehouse.duckdb }');
  checkKeys(raw, NESTED_KEYS.destination, 'destination');
  oneOf(raw.type, 'destination.type', ['duckdb'], 'duckdb');
  return { type: 'duckdb', path: str(raw.path, 'destination.path', DEFAULTS.destination.path) };
}

function parseMigrationTypes(raw: unknown): MigrationType[] {
  if (raw === undefined) return [...DEFAULTS.migrationTypes];
  if (!Array.isArray(raw)) fail('migrationTypes', 'must be a list', 'write [schema, full] or [schema, full, incremental]');
  const migrationTypes = raw.map((t, i) => oneOf(t, `migrationTypes[${i}]`, ['schema', 'full', 'incremental'] as const, 'schema'));
  if (!migrationTypes.includes('schema')) fail('migrationTypes', 'must include schema', 'write [schema, full] or [schema, full, incremental]');
  return migrationTypes;
}

function parseFull(raw: unknown): FullOptions {
  const fullRaw = raw === undefined ? {} : raw;
  if (!isObject(fullRaw)) fail('full', 'must be an object', 'see docs/task-spec.md');
  checkKeys(fullRaw, NESTED_KEYS.full, 'full');
  const d = DEFAULTS.full;
  const chunkRows = int(fullRaw.chunkRows, 'full.chunkRows', d.chunkRows, LIMITS.chunkRows);
  const batchRows = int(fullRaw.batchRows, 'full.batchRows', d.batchRows, LIMITS.batchRows);
  // The sink holds a chunk's batches unacknowledged until the chunk commits, and a partition
  // allows 10,000 pending messages: far fewer batches per chunk leaves room for wide rows
  // (batches are also cut at ~768 KiB) and for several chunks in flight.
  if (chunkRows / batchRows > LIMITS.batchesPerChunk) {
    fail('full.chunkRows', `${chunkRows} rows per chunk in batches of ${batchRows} is ${Math.ceil(chunkRows / batchRows)} batches per chunk; at most ${LIMITS.batchesPerChunk}`, `lower full.chunkRows or raise full.batchRows (e.g. batchRows: ${Math.ceil(chunkRows / LIMITS.batchesPerChunk)})`);
  }
  return { chunkRows, batchRows, parallelChunks: int(fullRaw.parallelChunks, 'full.parallelChunks', d.parallelChunks, LIMITS.parallelChunks) };
}

/**
 * Validates a task spec given as a parsed object. Throws TW_SPEC_INVALID naming the key and
 * the fix; a spec with several problems gets one error listing them all.
 */
export function validateTaskSpec(raw: unknown): TaskSpec {
  if (!isObject(raw)) fail('(root)', 'must be a mapping of keys', 'see docs/task-spec.md for an example');
  const problems: TidewaterError[] = [];
  const part = <T>(f: () => T) => collect(problems, f);
  part(() => checkKeys(raw, TOP_KEYS, ''));
  const spec = {
    name: part(() => parseName(raw.name)),
    source: part(() => parseSource(raw.source)),
    destination: part(() => parseDestination(raw.destination)),
    migrationTypes: part(() => parseMigrationTypes(raw.migrationTypes)),
    objects: part(() => objectsOf(raw)),
    full: part(() => parseFull(raw.full)),
    incremental: part(() => parseIncremental(raw.incremental)),
    conflictMode: part(() => oneOf(raw.conflictMode, 'conflictMode', ['precheck', 'ignore'], DEFAULTS.conflictMode)),
    temporalMapping: part(() => oneOf(raw.temporalMapping, 'temporalMapping', ['native', 'string'], DEFAULTS.temporalMapping)),
    retry: part(() => parseRetry(raw.retry)),
    capitalization: part(() => oneOf(raw.capitalization, 'capitalization', ['dts', 'source', 'lower', 'upper'], DEFAULTS.capitalization)),
    mapping: part(() => parseMapping(raw.mapping)),
    throttle: part(() => parseThrottle(raw.throttle)),
    heartbeat: part(() => parseHeartbeat(raw.heartbeat)),
  };
  throwProblems(problems);
  // No problem: every part returned its value.
  return spec as TaskSpec;
}

/** DTS's two retry windows; the one for other issues must be the smaller. */
function parseRetry(raw: unknown): RetryOptions {
  const r = raw === undefined ? {} : raw;
  if (!isObject(r)) fail('retry', 'must be an object', 'write retry: { connectionMinutes: 720, otherMinutes: 10 }');
  checkKeys(r, NESTED_KEYS.retry, 'retry');
  const connectionMinutes = int(r.connectionMinutes, 'retry.connectionMinutes', DEFAULTS.retry.connectionMinutes, LIMITS.retryConnectionMinutes);
  const otherMinutes = int(r.otherMinutes, 'retry.otherMinutes', Math.min(DEFAULTS.retry.otherMinutes, connectionMinutes - 1), LIMITS.retryOtherMinutes);
  if (otherMinutes >= connectionMinutes) fail('retry.otherMinutes', `(${otherMinutes}) must be smaller than retry.connectionMinutes (${connectionMinutes})`, 'lower retry.otherMinutes or raise retry.connectionMinutes');
  return { connectionMinutes, otherMinutes };
}

/** Parses YAML or JSON text (JSON is YAML) into a validated spec. */
export function parseTaskSpec(text: string): TaskSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    fail('(file)', `is not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`, 'fix the syntax at the line shown');
  }
  return validateTaskSpec(raw);
}

/** The spec as it may be shown or logged: the password replaced. */
export function redactSpec(spec: TaskSpec): TaskSpec {
  return { ...spec, source: { ...spec.source, password: spec.source.password ? '***' : '' } };
}
