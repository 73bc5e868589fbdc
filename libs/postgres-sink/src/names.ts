import { createHash } from 'node:crypto';

/** Double-quotes a PostgreSQL identifier (names may be reserved words or hold any character). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}

/** PostgreSQL truncates identifiers to 63 bytes: a longer name would silently alias another. */
const MAX_IDENT_BYTES = 63;

/**
 * The name of a `_log` partition for a tuple of partition values: `<stem>_log__2024_05`, or,
 * when that exceeds PostgreSQL's identifier length, a stable hash of the stem with the values.
 */
export function partitionTableName(logTable: string, values: readonly string[]): string {
  const plain = `${logTable}__${values.join('_')}`;
  if (Buffer.byteLength(plain) <= MAX_IDENT_BYTES) return plain;
  const h = createHash('sha256').update(logTable).digest('hex').slice(0, 16);
  return `tw_${h}__${values.join('_')}`;
}

/** A 64-bit advisory-lock key space name for DDL on one schema (all sinks agree on it). */
export function ddlLockName(schema: string): string {
  return `tidewater:ddl:${schema}`;
}
