import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '@tidewater/testkit';
import { ChangeKind, type ColumnDef } from '@tidewater/proto';
import { RowSetBuilder, encodingOf, type CanonicalValue } from '@tidewater/rowcodec';
import type { DestTable, TableOptions } from '@tidewater/task-plan';
import { col, freshDatabase, wr } from './test-fixture.js';
import { PostgresSession, PostgresWarehouse } from './index.js';

// Every column type of the type-torture table (apps/cli/src/full-migration.int.test.ts), with
// its extreme values as rowcodec carries them, written through both paths (chunk → _base,
// change → _log) and read back as PostgreSQL's text output.
const u = { unsigned: true };
const COLUMNS: ColumnDef[] = [
  col('id', 'int'),
  col('ti', 'tinyint'),
  col('tiu', 'tinyint', u),
  col('si', 'smallint'),
  col('siu', 'smallint', u),
  col('mi', 'mediumint'),
  col('miu', 'mediumint', u),
  col('i', 'int'),
  col('iu', 'int', u),
  col('bi', 'bigint'),
  col('biu', 'bigint', u),
  col('d65', 'decimal', { precision: 65, scale: 30 }),
  col('d10', 'decimal', { precision: 10, scale: 2 }),
  col('f', 'float'),
  col('dbl', 'double'),
  col('b1', 'bit', { precision: 1, length: 1n }),
  col('b64', 'bit', { precision: 64, length: 64n }),
  col('dt', 'date'),
  col('dtm', 'datetime', { fsp: 6 }),
  col('ts', 'timestamp', { fsp: 6 }),
  col('tm', 'time', { fsp: 6 }),
  col('yr', 'year'),
  col('c', 'char'),
  col('vc', 'varchar'),
  col('tx', 'text'),
  col('l1', 'varchar'),
  col('bn', 'binary'),
  col('vb', 'varbinary'),
  col('bl', 'blob'),
  col('en', 'enum'),
  col('st', 'set'),
  col('js', 'json'),
  col('pt', 'point'),
  col('geo', 'geometry'),
];
const b = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const POINT = '00000000010100000000000000000000f03f0000000000000040';
const f32 = Math.fround(-3.40282e38);
const LONG = 'long text '.repeat(500);
// prettier-ignore
const ROWS: CanonicalValue[][] = [
  [1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295n, -9223372036854775808n, 18446744073709551615n,
    '-99999999999999999999999999999999999.999999999999999999999999999999', '-99999999.99', f32, -1.7976931348623157e308,
    1n, 18446744073709551615n, '1000-01-01', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999', '-838:59:59.000000', 1901,
    'fixed', '😀 emoji ✓', LONG, 'café é\ttab\\', b('00010203'), b('ff00'), b('deadbeef00'),
    'c', 'x,z', '{"a": [1, 2.5, "ü"],   "b": null}', b(POINT), b(POINT)],
  [2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0n, 9223372036854775807n, 0n,
    '99999999999999999999999999999999999.999999999999999999999999999999', '0.01', 1.5, 2.2250738585072014e-308,
    0n, 0n, '2024-02-29', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:01', '838:59:59.999999', 2155,
    '', '', '', 'line\nbreak', b('00000000'), b(''), b(''), 'a', '', '[]', b(''), b('01')],
  [3, ...COLUMNS.slice(1).map(() => null)],
  [4, 0, 1, 0, 1, 0, 1, 0, 1n, 0n, 1n, '0.000000000000000000000000000001', '1.50', 0, 0, 1n, 5n, '0000-00-00',
    '0000-00-00 00:00:00', null, '00:00:00', 0, 'x', 'x', 'x', 'x', b('41'), b('41'), b('41'), 'b', 'y', '{}', null, null],
];

/** What PostgreSQL prints for each value (`native`: zero dates are NULL). */
function expected(row: CanonicalValue[], temporal: TableOptions['temporalMapping']): (string | null)[] {
  return row.map((v, k) => {
    const c = COLUMNS[k]!;
    if (v === null) return null;
    if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`;
    if (c.dataType === 'bit') return (v as bigint).toString(2).padStart(Number(c.length), '0');
    if (c.dataType === 'float' || c.dataType === 'double') return String(v);
    if ((c.dataType === 'date' || c.dataType === 'datetime') && temporal === 'native' && String(v).startsWith('0000'))
      return null;
    return String(v);
  });
}

/** Floats compared as the numbers they are (PostgreSQL prints the shortest text of a float4). */
const norm = (rows: (string | null)[][]) =>
  rows.map((r) =>
    r.map((v, k) =>
      v !== null && (COLUMNS[k]!.dataType === 'float' || COLUMNS[k]!.dataType === 'double')
        ? String(COLUMNS[k]!.dataType === 'float' ? Math.fround(Number(v)) : Number(v))
        : v,
    ),
  );

let pg: PostgresServer;
let admin: PostgresSession;
beforeAll(async () => {
  pg = await startPostgres();
  admin = await PostgresSession.open(pg.url);
});
afterAll(async () => {
  await admin?.close();
  await pg?.stop();
});

describe.each(['native', 'string'] as const)('type map round trip (temporalMapping: %s)', (temporal) => {
  it('writes every type of the torture table to _base and _log and reads it back exactly', async () => {
    const url = await freshDatabase(admin, pg.url);
    const w = await PostgresWarehouse.open(url);
    const s = await PostgresSession.open(url);
    try {
      const table: DestTable = {
        source: { database: 'fid', table: 'all_types' },
        schema: 'fid',
        stem: 'all_types',
        columns: COLUMNS,
        keyColumns: ['id'],
        version: 0,
      };
      const opts: TableOptions = {
        temporalMapping: temporal,
        conflictMode: 'precheck',
        incremental: true,
        additionalColumnRule: 'new',
        partition: ['modifytime_year', 'modifytime_month'],
      };
      await w.ensureTables('t1', [table], opts);
      const builder = () =>
        new RowSetBuilder(
          table.source,
          COLUMNS.map((c) => c.name),
          COLUMNS.map((c) => encodingOf(c)),
        );
      const chunk = builder();
      ROWS.forEach((r) => chunk.add(r));
      expect(await w.commitChunk(wr(), 'c1', table, [chunk.finish('all_types')], opts)).toBe(true);
      const changes = builder();
      ROWS.forEach((r, i) => changes.addChange(ChangeKind.CHANGE_KIND_INSERT, BigInt(i + 1), 1_700_000_000n, r));
      expect(await w.appendLog(wr(), table, changes.finish('all_types'), opts)).toBe(ROWS.length);
      const want = norm(ROWS.map((r) => expected(r, temporal)));
      const names = COLUMNS.map((c) => `"${c.name}"`).join(', ');
      for (const t of ['all_types_base', 'all_types_log', 'all_types_merged'])
        expect(norm(await s.query(`SELECT ${names} FROM fid.${t} ORDER BY id`))).toEqual(want);
      expect(
        await s.query(
          'SELECT DISTINCT new_dts_sync_modifytime_year, new_dts_sync_modifytime_month FROM fid.all_types_log',
        ),
      ).toEqual([['2023', '11']]);
      const types = await s.query(
        `SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fid.all_types_base'::regclass AND attname IN ('biu', 'd65', 'dtm', 'b64', 'tm', 'js', 'geo') ORDER BY attname`,
      );
      expect(Object.fromEntries(types)).toEqual({
        b64: 'bit varying(64)',
        biu: 'numeric(20,0)',
        d65: 'numeric(65,30)',
        dtm: temporal === 'native' ? 'timestamp(6) without time zone' : 'text',
        geo: 'bytea',
        js: 'text',
        tm: 'text',
      });
    } finally {
      await s.close();
      await w.close();
    }
  });
});
