import { describe, expect, it } from 'vitest';
import { ChangeKind, type ColumnDef, type RowSet, type TableSchema } from '@tidewater/proto';
import { parseTaskSpec } from '@tidewater/config';
import { RowSetBuilder, encodingOf, columnValues, type CanonicalValue } from '@tidewater/rowcodec';
import { tablePlan } from './row-plan.js';

const col = (name: string, dataType: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  dataType,
  columnType: dataType,
  nullable: true,
  unsigned: false,
  precision: 10,
  scale: 2,
  fsp: 0,
  charset: 'utf8mb4',
  length: 0n,
  columnDefault: '',
  collation: dataType === 'varchar' ? 'utf8mb4_general_ci' : '',
  ...extra,
});
const schema: TableSchema = {
  source: { database: 'shop', table: 'Orders' },
  columns: [col('Id', 'int'), col('Status', 'varchar'), col('Price', 'decimal'), col('Secret', 'varchar')],
  keyColumns: ['Id'],
  version: 0,
};
const spec = (table: string, extra = '') =>
  parseTaskSpec(
    `name: t\nsource: { url: "mysql://u:p@h:3306" }\nobjects: [{ database: shop, tables: [${table}] }]\n${extra}`,
  );

type Change = [ChangeKind, bigint, CanonicalValue[]];
function changes(list: Change[]): RowSet {
  const b = new RowSetBuilder(
    schema.source!,
    schema.columns.map((c) => c.name),
    schema.columns.map((c) => encodingOf(c)),
  );
  for (const [kind, id, values] of list) b.addChange(kind, id, 1_700_000_000n, values);
  return b.finish();
}
function snapshot(rows: CanonicalValue[][]): RowSet {
  const b = new RowSetBuilder(
    schema.source!,
    schema.columns.map((c) => c.name),
    schema.columns.map((c) => encodingOf(c)),
  );
  for (const r of rows) b.add(r);
  return b.finish();
}
function table(rs: RowSet | undefined): { names: string[]; rows: unknown[][]; kinds: ChangeKind[]; ids: bigint[] } {
  if (!rs) return { names: [], rows: [], kinds: [], ids: [] };
  const cols = rs.columns.map((c) => columnValues(c, rs.rowCount));
  return {
    names: rs.columnNames,
    rows: Array.from({ length: rs.rowCount }, (_, r) => cols.map((c) => c[r])),
    kinds: rs.kinds,
    ids: rs.recordIds,
  };
}

const {
  INSERT: I,
  UPDATE_BEFORE: UB,
  UPDATE_AFTER: UA,
  DELETE: D,
} = {
  INSERT: ChangeKind.CHANGE_KIND_INSERT,
  UPDATE_BEFORE: ChangeKind.CHANGE_KIND_UPDATE_BEFORE,
  UPDATE_AFTER: ChangeKind.CHANGE_KIND_UPDATE_AFTER,
  DELETE: ChangeKind.CHANGE_KIND_DELETE,
};

describe('tablePlan', () => {
  it('is the identity without mapping, filter or ETL (snapshot batches pass as bytes)', () => {
    const plan = tablePlan(spec('Orders', 'capitalization: source\n'), {}, schema);
    expect(plan.identity).toBe(true);
    const rs = snapshot([[1, 'new', '1.00', 's']]);
    expect(plan.apply(rs)).toBe(rs);
  });

  it('renames and drops columns without touching values', () => {
    const plan = tablePlan(spec('{ name: Orders, columns: { id: order_id }, etl: { drop: [secret] } }'), {}, schema);
    expect(plan.identity).toBe(false);
    expect(table(plan.apply(snapshot([[1, 'new', '1.00', 's']])))).toMatchObject({
      names: ['order_id', 'status', 'price'],
      rows: [[1, 'new', '1.00']],
    });
  });

  it('turns updates that cross the filter into deletes and inserts, with NULL as MySQL treats it', () => {
    const plan = tablePlan(spec(`{ name: Orders, filter: "status <> 'CANCELLED'" }`), {}, schema);
    const out = table(
      plan.apply(
        changes([
          [I, 1n, [1, 'new', '1.00', 'a']],
          [I, 2n, [2, 'cancelled', '1.00', 'a']],
          [I, 3n, [3, null, '1.00', 'a']],
          [UB, 4n, [1, 'new', '1.00', 'a']],
          [UA, 4n, [1, 'Cancelled', '1.00', 'a']],
          [UB, 5n, [2, 'cancelled', '1.00', 'a']],
          [UA, 5n, [2, 'paid', '1.00', 'a']],
          [UB, 6n, [2, 'paid', '1.00', 'a']],
          [UA, 6n, [2, 'shipped', '1.00', 'a']],
          [UB, 7n, [3, null, '1.00', 'a']],
          [UA, 7n, [3, null, '2.00', 'a']],
          [D, 8n, [2, 'shipped', '1.00', 'a']],
          [D, 9n, [9, 'cancelled', '1.00', 'a']],
        ]),
      ),
    );
    expect(out.kinds).toEqual([I, D, I, UB, UA, D]);
    expect(out.ids).toEqual([1n, 4n, 5n, 6n, 6n, 8n]);
    expect(out.rows.map((r) => r[0])).toEqual([1, 1, 2, 2, 2, 2]);
  });

  it('does not re-judge snapshot rows by the filter (the source query applied it) but applies ETL where', () => {
    const plan = tablePlan(spec(`{ name: Orders, filter: "status = 'x'", etl: { where: "price > 1" } }`), {}, schema);
    expect(
      table(
        plan.apply(
          snapshot([
            [1, 'new', '1.00', 's'],
            [2, 'new', '5.00', 's'],
          ]),
        ),
      ).rows.map((r) => r[0]),
    ).toEqual([2]);
    // A chunk part the ETL empties still reaches the sink, or its chunk never completes (S1).
    const emptied = plan.apply(snapshot([[1, 'new', '1.00', 's']]));
    expect(emptied).toMatchObject({ rowCount: 0, columnNames: ['id', 'status', 'price', 'secret'] });
    expect(plan.apply(changes([[I, 1n, [1, 'new', '1.00', 's']]]))).toBeUndefined();
  });

  it('computes columns and replaces values in the destination types', () => {
    const plan = tablePlan(
      spec(
        `{ name: Orders, etl: { set: { status: "UPPER(status)" }, add: [{ name: gross, type: "decimal(12,2)", expr: "price * 1.2" }, { name: tag, type: "varchar(20)", expr: "CONCAT(id, '-', status)" }] } }`,
      ),
      {},
      schema,
    );
    const out = table(plan.apply(changes([[I, 1n, [7, 'new', '10.00', 's']]])));
    expect(out.names).toEqual(['id', 'status', 'price', 'secret', 'gross', 'tag']);
    expect(out.rows).toEqual([[7, 'NEW', '10.00', 's', '12.00', '7-new']]);
  });

  it('refuses ETL that changes a key column', () => {
    expect(() => tablePlan(spec(`{ name: Orders, etl: { set: { id: "id + 1" } } }`), {}, schema)).toThrow(
      /changes key column Id/,
    );
  });
});
