import { parse as parseYaml } from 'yaml';
import { TidewaterError } from '@tidewater/errors';
import { DEFAULTS, LIMITS } from './defaults.js';
import { objectsFromDtsDbList } from './dts-db-list.js';
import type { IncrementalOptions, MigrationType, ObjectSpec, PartitionColumn, SourceSpec, TaskSpec } from './task-spec.js';

type Raw = Record<string, unknown>;

const TOP_KEYS = ['name', 'source', 'destination', 'migrationTypes', 'objects', 'dbList', 'full', 'incremental', 'conflictMode', 'temporalMapping'];
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
      user: u.username ? decodeURIComponent(u.username) : (typeof raw.user === 'string' ? raw.user : DEFAULTS.sourceUser),
      password: u.password ? decodeURIComponent(u.password) : (typeof raw.password === 'string' ? raw.password : ''),
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
  return raw.map((o, i) => {
    const key = `objects[${i}]`;
    if (!isObject(o)) fail(key, 'must be an object', 'write { database: name, tables: [a, b] }');
    checkKeys(o, ['database', 'tables'], key);
    const database = str(o.database, `${key}.database`);
    if (o.tables === undefined) return { database };
    if (!Array.isArray(o.tables) || o.tables.some((t) => typeof t !== 'string' || t.length === 0)) fail(`${key}.tables`, 'must be a list of table names', 'write tables: [customer, orders] or omit it for every table');
    const tables = o.tables as string[];
    const dup = tables.find((t, j) => tables.indexOf(t) !== j);
    if (dup) fail(`${key}.tables`, `lists ${dup} twice`, 'list each table once');
    return { database, tables };
  });
}

function objectsOf(raw: Raw): ObjectSpec[] {
  if (raw.dbList !== undefined) {
    if (raw.objects !== undefined) fail('dbList', 'is given together with objects', 'use one of them');
    return objectsFromDtsDbList(raw.dbList);
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
  return {
    name,
    source: parseSource(raw.source),
    destination,
    migrationTypes,
    objects: objectsOf(raw),
    full: {
      chunkRows: int(fullRaw.chunkRows, 'full.chunkRows', d.chunkRows, LIMITS.chunkRows),
      batchRows: int(fullRaw.batchRows, 'full.batchRows', d.batchRows, LIMITS.batchRows),
      parallelChunks: int(fullRaw.parallelChunks, 'full.parallelChunks', d.parallelChunks, LIMITS.parallelChunks),
    },
    incremental: parseIncremental(raw.incremental),
    conflictMode: oneOf(raw.conflictMode, 'conflictMode', ['precheck', 'ignore'], DEFAULTS.conflictMode),
    temporalMapping: oneOf(raw.temporalMapping, 'temporalMapping', ['native', 'string'], DEFAULTS.temporalMapping),
  };
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
