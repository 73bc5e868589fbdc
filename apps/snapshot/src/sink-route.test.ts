import { describe, expect, it } from 'vitest';
import { TaskState, type ColumnDef, type TableSchema } from '@tidewater/proto';
import { parseTaskSpec } from '@tidewater/config';
import { chunkPartition } from '@tidewater/task-plan';
import { directSinkPartition } from './sink-route.js';

const col = (name: string, dataType: string): ColumnDef => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  unsigned: false,
  precision: 0,
  scale: 0,
  fsp: 0,
  charset: 'utf8mb4',
  length: 0n,
  columnDefault: '',
  collation: '',
});
const schema: TableSchema = {
  source: { database: 'shop', table: 'orders' },
  columns: [col('id', 'int'), col('status', 'varchar')],
  keyColumns: ['id'],
  version: 0,
};
const state = (table: string) =>
  TaskState.fromPartial({
    taskId: 't1',
    specJson: JSON.stringify(
      parseTaskSpec(
        `name: t\nsource: { url: "mysql://u:p@h:3306" }\nobjects: [{ database: shop, tables: [${table}] }]\nsink: { partitions: 8 }\n`,
      ),
    ),
    tables: [{ source: schema.source, destSchema: 'shop', destTable: 'orders' }],
  });

describe('directSinkPartition', () => {
  it("sends a chunk of a table transform leaves unchanged to transform's partition for it", () => {
    expect(directSinkPartition(state('orders'), schema, 't1.t0.c3')).toBe(
      chunkPartition('shop', 'orders', 't1.t0.c3', 8),
    );
  });

  it('leaves a table with renamed columns, a filter or ETL, and an unknown table, to transform', () => {
    for (const t of [
      '{ name: orders, columns: { status: state } }',
      `{ name: orders, filter: "status <> 'x'" }`,
      '{ name: orders, etl: { drop: [status] } }',
      `{ name: orders, filter: "nosuch = 1" }`,
    ])
      expect(directSinkPartition(state(t), schema, 't1.t0.c3')).toBeUndefined();
    const other = { ...schema, source: { database: 'shop', table: 'other' } };
    expect(directSinkPartition(state('orders'), other, 't1.t0.c3')).toBeUndefined();
  });
});
