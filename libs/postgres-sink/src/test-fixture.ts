import { type ChangeKind, type ColumnDef } from '@tidewater/proto';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';
import type { DestTable, PartitionWriter, TableOptions } from '@tidewater/task-plan';
import type { PostgresSession } from './session.js';

/** The table, options and rows the warehouse tests write. */
export const col = (name: string, dataType: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({
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
  ...extra,
});
export const table: DestTable = {
  source: { database: 'shop', table: 'item' },
  schema: 'shop',
  stem: 'item',
  columns: [col('id', 'bigint'), col('price', 'decimal', { precision: 12, scale: 2 }), col('record_id2', 'varchar')],
  keyColumns: ['id'],
  version: 0,
};
export const opts: TableOptions = {
  temporalMapping: 'native',
  conflictMode: 'precheck',
  incremental: true,
  additionalColumnRule: 'previous',
  partition: ['modifytime_year'],
};

/** Rows of `table`; with `changes`, change rows (event time `at`, seconds). */
export function rows(
  values: [bigint, string, string][],
  changes?: { kind: ChangeKind; id: bigint }[],
  at = 1_700_000_000n,
) {
  const b = new RowSetBuilder(
    table.source,
    table.columns.map((c) => c.name),
    table.columns.map((c) => encodingOf(c)),
  );
  values.forEach((v, i) => (changes ? b.addChange(changes[i]!.kind, changes[i]!.id, at, v) : b.add(v)));
  return b.finish('item');
}

/** Partition `p` of task t1 written under lease epoch `epoch`. */
export const wr = (p = 0, epoch = 1): PartitionWriter => ({
  taskId: 't1',
  partition: p,
  epoch,
  sinkId: `sink-${epoch}`,
});

let databases = 0;
/** A fresh database on the test server, so each test starts from an empty warehouse. */
export async function freshDatabase(admin: PostgresSession, serverUrl: string): Promise<string> {
  const name = `tw_test_${process.pid}_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
