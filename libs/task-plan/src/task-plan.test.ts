import { describe, expect, it } from 'vitest';
import { TaskState, type ColumnDef } from '@tidewater/proto';
import { parseTaskSpec } from '@tidewater/config';
import { destTableOf, destTables, reservedLogColumnNames } from './index.js';

const spec = (extra = '') =>
  parseTaskSpec(`name: t\nsource: { url: "mysql://u:p@h:3306" }\n${extra || 'objects: [{ database: d }]\n'}`);
const col = (name: string, dataType = 'int'): ColumnDef => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  unsigned: false,
  precision: 0,
  scale: 0,
  fsp: 0,
  charset: '',
  length: 0n,
  columnDefault: '',
  collation: '',
});
const schema = (cols: string[], key = ['Id']) => ({
  source: { database: 'd', table: 'Orders' },
  columns: cols.map((c) => col(c)),
  keyColumns: key,
  version: 0,
});

describe('destTables', () => {
  it('lists tables with a recorded schema only', () => {
    const s = TaskState.fromPartial({
      tables: [
        {
          source: { database: 'd', table: 'a' },
          destSchema: 'd',
          destTable: 'a',
          schema: { source: { database: 'd', table: 'a' }, columns: [], keyColumns: ['id'], version: 2 },
        },
        { source: { database: 'd', table: 'b' }, destSchema: 'd', destTable: 'b' },
      ],
    });
    expect(destTables(s, spec()).map((t) => [t.stem, t.version, t.keyColumns])).toEqual([['a', 2, ['id']]]);
  });

  it('names columns by mapping and capitalization, drops and adds ETL columns', () => {
    const where = { destSchema: 'd', destTable: 'orders' };
    expect(destTableOf(spec(), where, schema(['Id', 'Total'])).columns.map((c) => c.name)).toEqual(['id', 'total']);
    expect(
      destTableOf(
        spec('objects: [{ database: d }]\ncapitalization: source\n'),
        where,
        schema(['Id', 'Total']),
      ).columns.map((c) => c.name),
    ).toEqual(['Id', 'Total']);
    const mapped = destTableOf(
      spec(
        `objects: [{ database: d, tables: [{ name: Orders, columns: { id: order_id }, etl: { drop: [secret], add: [{ name: twice, type: "decimal(12,2)", expr: "total * 2" }] } }] }]\n`,
      ),
      where,
      schema(['Id', 'Total', 'Secret']),
    );
    expect(mapped.columns.map((c) => [c.name, c.dataType])).toEqual([
      ['order_id', 'int'],
      ['total', 'int'],
      ['twice', 'decimal'],
    ]);
    expect(mapped.keyColumns).toEqual(['order_id']);
    expect(() =>
      destTableOf(
        spec(`objects: [{ database: d, tables: [{ name: Orders, etl: { drop: [id] } }] }]\n`),
        where,
        schema(['Id']),
      ),
    ).toThrow(/drops key column Id/);
    expect(() =>
      destTableOf(
        spec(
          `objects: [{ database: d, tables: [{ name: Orders, etl: { add: [{ name: x, type: "geometry", expr: "1" }] } }] }]\n`,
        ),
        where,
        schema(['Id']),
      ),
    ).toThrow(/type "geometry" of computed column x is not supported/);
    expect(() =>
      destTableOf(
        spec(`objects: [{ database: d, tables: [{ name: Orders, columns: { total: id } }] }]\n`),
        where,
        schema(['Id', 'Total']),
      ),
    ).toThrow(/two destination columns are named id/);
  });
});

describe('reservedLogColumnNames', () => {
  it('names every column a _log table adds, under each naming rule', () => {
    expect(reservedLogColumnNames('previous')).toEqual([
      'record_id',
      'operation_flag',
      'utc_timestamp',
      'before_flag',
      'after_flag',
      'modifytime_year',
      'modifytime_month',
      'modifytime_day',
      'modifytime_hour',
      'modifytime_minute',
    ]);
    expect(reservedLogColumnNames('new')).toContain('new_dts_sync_before_flag');
    expect(reservedLogColumnNames('new')).toContain('new_dts_sync_modifytime_day');
  });
});
