import type { ColumnDef } from '@tidewater/proto';
import type { ComputedColumn } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';

/** MySQL types an ETL column may declare, with their information_schema DATA_TYPE. */
const SIMPLE: Record<string, string> = {
  int: 'int',
  integer: 'int',
  bigint: 'bigint',
  double: 'double',
  float: 'double',
  text: 'text',
  date: 'date',
  json: 'json',
  boolean: 'tinyint',
  bool: 'tinyint',
  tinyint: 'tinyint',
};

/**
 * The column an ETL `add` entry declares, as if the source had it. Parsed from a short
 * whitelist of type spellings so the destination type is known before any row is seen.
 */
export function computedColumnDef(c: ComputedColumn, where: string): ColumnDef {
  const t = c.type.trim().toLowerCase();
  const base: ColumnDef = {
    name: c.name,
    dataType: '',
    columnType: t,
    nullable: true,
    unsigned: false,
    precision: 0,
    scale: 0,
    fsp: 0,
    charset: 'utf8mb4',
    length: 0n,
    columnDefault: '',
    collation: '',
  };
  if (SIMPLE[t])
    return { ...base, dataType: SIMPLE[t]!, columnType: t === 'boolean' || t === 'bool' ? 'tinyint(1)' : t };
  let m = /^decimal\((\d{1,2})\s*,\s*(\d{1,2})\)$/.exec(t);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 65 && Number(m[2]) <= Math.min(30, Number(m[1])))
    return { ...base, dataType: 'decimal', precision: Number(m[1]), scale: Number(m[2]) };
  m = /^varchar\((\d{1,5})\)$/.exec(t);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 65535) return { ...base, dataType: 'varchar', length: BigInt(m[1]!) };
  m = /^datetime(?:\(([0-6])\))?$/.exec(t);
  if (m) return { ...base, dataType: 'datetime', fsp: Number(m[1] ?? 0) };
  throw new TidewaterError(
    'TW_SPEC_INVALID',
    `${where}: type "${c.type}" of computed column ${c.name} is not supported`,
    {
      subject: where,
      fix: 'use one of int, bigint, double, decimal(p,s), varchar(n), text, date, datetime(n), json, boolean',
    },
  );
}
