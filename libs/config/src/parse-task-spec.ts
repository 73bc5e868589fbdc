import { parse as parseYaml } from 'yaml';
import { TidewaterError } from '@tidewater/errors';
import { DEFAULTS, LIMITS } from './defaults.js';
import { objectsFromDtsDbList } from './dts-db-list.js';
import type { IncrementalOptions, MigrationType, ObjectSpec, PartitionColumn, RetryOptions, SourceSpec, TaskSpec, TableSpec, EtlSpec, BatchMapping, ThrottleOptions, HeartbeatOptions } from './task-spec.js';

type Raw = Record<string, unknown>;

const TOP_KEYS = ['name', 'source', 'destination', 'migrationTypes', 'objects', 'dbList', 'full', 'incremental', 'conflictMode', 'temporalMapping', 'retry', 'capitalization', 'mapping', 'throttle', 'heartbeat'];
const PARTITIONS: readonly PartitionColumn[] = ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'];

function fail(key: string, message: string, fix: string): never {
  throw new TidewaterError('TW_SPEC_INVALID', `task spec: ${key}: ${message}`, { subject: key, fix });
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Raw, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const near = allowed.find((a) => a.toLowerCase() === key.toLowerCase() || editDistance(a, key) <= 2);
      fail(where ? `${where}.${key}` : key, 'unknown key', near ? `did you mean "${near}"? See docs/task-spec.md` : `allowed keys: ${allowed.join(', ')} (docs/task-spec.md)`);
    }
  }
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

/** A user or password from `source.url`; the message never quotes it (it may be the password). */
function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail('source.url', 'has an invalid percent-escape in its user or password', 'write a literal % as %25 (percent-encode special characters), or give user and password as separate keys');
  }
}

function parseSource(raw: unknown): SourceSpec {
  if (!isObject(raw)) fail('source', 'is required', 'add source: { url: mysql://user:pass@host:3306 } or host/port/user/password keys');
  checkKeys(raw, ['url', 'host', 'port', 'user', 'password'], 'source');
  if (raw.url !== undefined) {
    if (raw.host !== undefined || raw.port !== undefined) fail('source', 'has both url and host/port', 'give either url or host/port/user/password');
    let u: URL;
    try {
      u = new URL(str(raw.url, 'source.url'));
    } catch {
      fail('source.url', 'is not a valid URL', 'write it as mysql://user:password@host:3306');
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') fail('source.url', `has scheme ${u.protocol} `, 'use mysql://user:password@host:3306');
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
  const objects = raw.map((o, i): ObjectSpec => {
    const key = `objects[${i}]`;
    if (!isObject(o)) fail(key, 'must be an object', 'write { database: name, tables: [a, b] }');
    checkKeys(o, ['database', 'as', 'tables'], key);
    const database = str(o.database, `${key}.database`);
    const as = o.as === undefined ? undefined : name(o.as, `${key}.as`);
    if (o.tables === undefined) return { database, ...(as ? { as } : {}) };
    if (!Array.isArray(o.tables) || o.tables.length === 0) fail(`${key}.tables`, 'must be a non-empty list', 'write tables: [customer, orders] or omit it for every table');
    const tables = o.tables.map((t, j) => parseTable(t, `${key}.tables[${j}]`));
    const dup = tables.find((t, j) => tables.findIndex((u) => u.name === t.name) !== j);
    if (dup) fail(`${key}.tables`, `lists ${dup.name} twice`, 'list each table once');
    return { database, ...(as ? { as } : {}), tables };
  });
  const dupDb = objects.find((o, i) => objects.findIndex((p) => p.database === o.database) !== i);
  if (dupDb) fail('objects', `lists database ${dupDb.database} twice`, 'merge its entries into one');
  const mapped = objects.flatMap((o) => o.tables ?? []);
  // DTS's rule: per-table configuration does not scale past 1,000 tables in one task.
  if (mapped.length > MAX_MAPPED_TABLES && mapped.some(hasTableMapping)) {
    fail('objects', `selects ${mapped.length} tables one by one with per-table mapping, filters or ETL; at most ${MAX_MAPPED_TABLES} are allowed`, 'split the task into several, or select whole databases (objects: [{ database: x }]) and use batch mapping rules');
  }
  return objects;
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
  checkKeys(r, ['databasePrefix', 'databaseSuffix', 'tablePrefix', 'tableSuffix'], 'mapping');
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
  checkKeys(r, ['full', 'incremental'], 'throttle');
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
  checkKeys(raw, ['enabled', 'table', 'intervalMs'], 'heartbeat');
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
  checkKeys(raw, ['additionalColumnRule', 'partition', 'batchRows', 'flushMs'], 'incremental');
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

/** Validates a task spec given as a parsed object. Throws TW_SPEC_INVALID naming the key and the fix. */
export function validateTaskSpec(raw: unknown): TaskSpec {
  if (!isObject(raw)) fail('(root)', 'must be a mapping of keys', 'see docs/task-spec.md for an example');
  checkKeys(raw, TOP_KEYS, '');
  const name = str(raw.name, 'name');
  // The name becomes a NATS subject token and part of consumer names: no dots.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(name)) fail('name', 'may hold letters, digits, _ and - (at most 63, no dots)', 'rename the task');
  let destination = { ...DEFAULTS.destination } as TaskSpec['destination'];
  if (raw.destination !== undefined) {
    if (!isObject(raw.destination)) fail('destination', 'must be an object', 'write destination: { type: duckdb, path: ./warehouse.duckdb }');
    checkKeys(raw.destination, ['type', 'path'], 'destination');
    oneOf(raw.destination.type, 'destination.type', ['duckdb'], 'duckdb');
    destination = { type: 'duckdb', path: str(raw.destination.path, 'destination.path', DEFAULTS.destination.path) };
  }
  let migrationTypes: MigrationType[] = [...DEFAULTS.migrationTypes];
  if (raw.migrationTypes !== undefined) {
    if (!Array.isArray(raw.migrationTypes)) fail('migrationTypes', 'must be a list', 'write [schema, full] or [schema, full, incremental]');
    migrationTypes = raw.migrationTypes.map((t, i) => oneOf(t, `migrationTypes[${i}]`, ['schema', 'full', 'incremental'] as const, 'schema'));
    if (!migrationTypes.includes('schema')) fail('migrationTypes', 'must include schema', 'write [schema, full] or [schema, full, incremental]');
  }
  const fullRaw = raw.full === undefined ? {} : raw.full;
  if (!isObject(fullRaw)) fail('full', 'must be an object', 'see docs/task-spec.md');
  checkKeys(fullRaw, ['chunkRows', 'batchRows', 'parallelChunks'], 'full');
  const d = DEFAULTS.full;
  const chunkRows = int(fullRaw.chunkRows, 'full.chunkRows', d.chunkRows, LIMITS.chunkRows);
  const batchRows = int(fullRaw.batchRows, 'full.batchRows', d.batchRows, LIMITS.batchRows);
  // The sink holds a chunk's batches unacknowledged until the chunk commits, and a partition
  // allows 10,000 pending messages: far fewer batches per chunk leaves room for wide rows
  // (batches are also cut at ~768 KiB) and for several chunks in flight.
  if (chunkRows / batchRows > LIMITS.batchesPerChunk) {
    fail('full.chunkRows', `${chunkRows} rows per chunk in batches of ${batchRows} is ${Math.ceil(chunkRows / batchRows)} batches per chunk; at most ${LIMITS.batchesPerChunk}`, `lower full.chunkRows or raise full.batchRows (e.g. batchRows: ${Math.ceil(chunkRows / LIMITS.batchesPerChunk)})`);
  }
  return {
    name,
    source: parseSource(raw.source),
    destination,
    migrationTypes,
    objects: objectsOf(raw),
    full: {
      chunkRows,
      batchRows,
      parallelChunks: int(fullRaw.parallelChunks, 'full.parallelChunks', d.parallelChunks, LIMITS.parallelChunks),
    },
    incremental: parseIncremental(raw.incremental),
    conflictMode: oneOf(raw.conflictMode, 'conflictMode', ['precheck', 'ignore'], DEFAULTS.conflictMode),
    temporalMapping: oneOf(raw.temporalMapping, 'temporalMapping', ['native', 'string'], DEFAULTS.temporalMapping),
    retry: parseRetry(raw.retry),
    capitalization: oneOf(raw.capitalization, 'capitalization', ['dts', 'source', 'lower', 'upper'], DEFAULTS.capitalization),
    mapping: parseMapping(raw.mapping),
    throttle: parseThrottle(raw.throttle),
    heartbeat: parseHeartbeat(raw.heartbeat),
  };
}

/** DTS's two retry windows; the one for other issues must be the smaller. */
function parseRetry(raw: unknown): RetryOptions {
  const r = raw === undefined ? {} : raw;
  if (!isObject(r)) fail('retry', 'must be an object', 'write retry: { connectionMinutes: 720, otherMinutes: 10 }');
  checkKeys(r, ['connectionMinutes', 'otherMinutes'], 'retry');
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
