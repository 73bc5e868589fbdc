import { parse as parseYaml } from 'yaml';
import type { TidewaterError } from '@tidewater/errors';
import { DEFAULTS, LIMITS } from './defaults.js';
import { objectsFromDtsDbList } from './dts-db-list.js';
import { parseObjects } from './parse-objects.js';
import { parseSource } from './parse-source.js';
import { checkKeys, collect, fail, int, isObject, NESTED_KEYS, oneOf, str, throwProblems, type Raw } from './spec-checks.js';
import type { FullOptions, IncrementalOptions, MigrationType, ObjectSpec, PartitionColumn, RetryOptions, TaskSpec, BatchMapping, ThrottleOptions, HeartbeatOptions } from './task-spec.js';

const TOP_KEYS = ['name', 'source', 'destination', 'migrationTypes', 'objects', 'dbList', 'full', 'incremental', 'conflictMode', 'temporalMapping', 'retry', 'capitalization', 'mapping', 'throttle', 'heartbeat'];
const PARTITIONS: readonly PartitionColumn[] = ['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'];

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
