import { describe, expect, it } from 'vitest';
import { ChangeKind, type TableSchema } from '@tidewater/proto';
import { ddlTarget } from './ddl-filter.js';
import { appendedColumnNames, schemaAfterAddColumn } from './add-column.js';
import { makePosition } from '@tidewater/binlog';
import { BATCH_FLUSH_BYTES, TransactionBatcher } from './transaction-batcher.js';

const schema: TableSchema = {
  source: { database: 'shop', table: 'customer' },
  columns: [
    {
      name: 'id',
      dataType: 'int',
      columnType: 'int(11)',
      nullable: false,
      unsigned: false,
      precision: 10,
      scale: 0,
      fsp: 0,
      charset: '',
      length: 0n,
      columnDefault: '',
      collation: '',
    },
  ],
  keyColumns: ['id'],
  version: 0,
};
const pos = (p: number) => makePosition('mysql-bin.000002', BigInt(p));

describe('TransactionBatcher', () => {
  it('adds a transaction only at its commit; an UPDATE gives two rows with one id', () => {
    const b = new TransactionBatcher('t', [schema]);
    b.stage({
      table: schema.source!,
      kind: 'update',
      rows: [{ before: [1n], after: [2n] }],
      file: 'mysql-bin.000002',
      txnStart: 500n,
      epoch: 0,
      firstRowIndex: 0,
      timestamp: 1700000000,
    });
    expect(b.take()).toBeUndefined();
    b.commit(pos(600));
    const batch = b.take()!;
    const rs = batch.tables[0]!;
    expect(rs.kinds).toEqual([ChangeKind.CHANGE_KIND_UPDATE_BEFORE, ChangeKind.CHANGE_KIND_UPDATE_AFTER]);
    expect(rs.recordIds[0]).toBe(rs.recordIds[1]);
    expect(batch.origin?.$case === 'binlog' && batch.origin.value.end?.pos).toBe(600n);
    expect(b.take()).toBeUndefined();
  });

  it('moves the position on transactions of other tables without rows', () => {
    const b = new TransactionBatcher('t', [schema]);
    b.advance(pos(700));
    const batch = b.take()!;
    expect(batch.tables).toEqual([]);
    expect(batch.origin?.$case === 'binlog' && batch.origin.value.end?.pos).toBe(700n);
  });

  it('owns its flush policy: full at batchRows rows or BATCH_FLUSH_BYTES; a timed flush holds a position-only batch', () => {
    const b = new TransactionBatcher('t', [schema]);
    expect(b.shouldSend(true)).toBe(false);
    b.advance(pos(700));
    expect(b.shouldSend(false)).toBe(false);
    expect(b.shouldSend(true)).toBe(true);
    b.stage({
      table: schema.source!,
      kind: 'insert',
      rows: [{ after: [1n] }, { after: [2n] }],
      file: 'mysql-bin.000002',
      txnStart: 700n,
      epoch: 0,
      firstRowIndex: 0,
      timestamp: 1700000000,
    });
    b.commit(pos(800));
    expect(b.shouldSend(false)).toBe(true);
    expect(b.isFull(2)).toBe(true);
    expect(b.isFull(3)).toBe(false);
    expect(b.byteSize).toBeLessThan(BATCH_FLUSH_BYTES);
  });
});

describe('ddlTarget', () => {
  const migrated = [
    { database: 'shop', table: 'customer' },
    { database: 'shop', table: 'order' },
  ];
  it('finds the migrated table of ALTER/DROP/RENAME/TRUNCATE, quoted or qualified', () => {
    expect(ddlTarget('shop', 'ALTER TABLE customer ADD COLUMN x INT', migrated)).toEqual(migrated[0]);
    expect(ddlTarget('other', 'alter table `shop`.`order` drop column y', migrated)).toEqual(migrated[1]);
    expect(ddlTarget('shop', 'TRUNCATE TABLE `customer`', migrated)).toEqual(migrated[0]);
    expect(ddlTarget('shop', 'DROP TABLE IF EXISTS customer', migrated)).toEqual(migrated[0]);
  });
  it('ignores DDL on other tables and statements that change no table', () => {
    expect(ddlTarget('shop', 'ALTER TABLE customers ADD x INT', migrated)).toBeUndefined();
    expect(ddlTarget('shop', 'CREATE TABLE customer2 (id INT)', migrated)).toBeUndefined();
    expect(ddlTarget('shop', 'GRANT SELECT ON shop.customer TO u', migrated)).toBeUndefined();
  });
});

describe('ADD COLUMN in binlog order', () => {
  const col = (name: string, columnType = 'int(11)') => ({ ...schema.columns[0]!, name, columnType, nullable: true });
  const live = {
    ...schema,
    columns: [schema.columns[0]!, col('n2'), col('n3'), col('a'), col('b', 'varchar(8)')],
    version: 0,
  };

  it('names the appended columns of ADD [COLUMN] statements; anything else is not one', () => {
    expect(appendedColumnNames('ALTER TABLE shop.customer ADD COLUMN n2 INT')).toEqual(['n2']);
    expect(
      appendedColumnNames(
        "ALTER TABLE `customer` ADD `a` INT DEFAULT 1, ADD INDEX (a), ADD COLUMN IF NOT EXISTS b VARCHAR(8) COMMENT 'x,y'",
      ),
    ).toEqual(['`a`', 'b']);
    expect(appendedColumnNames('ALTER TABLE customer ADD COLUMN n2 INT AFTER id')).toBeUndefined();
    expect(appendedColumnNames('ALTER TABLE customer ADD COLUMN n2 INT, DROP COLUMN x')).toBeUndefined();
    expect(appendedColumnNames('ALTER TABLE customer ADD PRIMARY KEY (id)')).toBeUndefined();
  });

  it('takes from the live schema only the columns the statement adds, after those valid at its position', () => {
    const first = schemaAfterAddColumn(schema, ['n2'], live)!;
    expect(first.added.map((c) => c.name)).toEqual(['n2']);
    expect(first.next.columns.map((c) => c.name)).toEqual(['id', 'n2']);
    expect(first.next.version).toBe(1);
    const second = schemaAfterAddColumn(first.next, ['N3'], live)!;
    expect(second.next.columns.map((c) => c.name)).toEqual(['id', 'n2', 'n3']);
    expect(second.next.version).toBe(2);
    const both = schemaAfterAddColumn(second.next, ['`a`', 'b'], live)!;
    expect(both.added.map((c) => c.columnType)).toEqual(['int(11)', 'varchar(8)']);
    expect(both.next.keyColumns).toEqual(['id']);
  });

  it('adds nothing for a column the schema has; cannot follow a table changed past the statement', () => {
    expect(schemaAfterAddColumn(live, ['b'], live)).toEqual({ next: live, added: [] });
    // A later statement dropped n2, or retyped it, or the statement's column is not next.
    expect(schemaAfterAddColumn(schema, ['n2'], { ...live, columns: [schema.columns[0]!, col('n3')] })).toBeUndefined();
    expect(schemaAfterAddColumn(schema, ['n3'], live)).toBeUndefined();
    expect(schemaAfterAddColumn({ ...schema, columns: [col('id', 'bigint(20)')] }, ['n2'], live)).toBeUndefined();
  });
});
