import {
  ChangeKind,
  type ColumnDef,
  type RowSet,
  type TableProgress,
  type TableSchema,
  type ValueEncoding,
} from '@tidewater/proto';
import { tableNaming, type TaskSpec } from '@tidewater/config';
import { RowSetBuilder, encodingOf, valueAt, type CanonicalValue } from '@tidewater/rowcodec';
import { compileFilter, compileValue, toRowValue, type Expression, type RowGetter } from '@tidewater/expression';
import { computedColumnDef, exprColumns, rowsPassUnchanged, tableExpressions } from '@tidewater/task-plan';

/** What transform does to one table's rows: names, filter, ETL. */
export interface TablePlan {
  /** Nothing changes: snapshot batches may be forwarded as bytes. */
  readonly identity: boolean;
  /**
   * The row set in destination naming. A change row set with no row left is undefined; a
   * snapshot row set is always returned, empty or not: it is one part of a chunk, and the
   * sink commits a chunk only when it holds every part (S1).
   */
  apply(rs: RowSet): RowSet | undefined;
}

type Test = (get: RowGetter) => boolean;
type Value = (get: RowGetter) => CanonicalValue;

interface Compiled {
  readonly columns: readonly string[];
  readonly fn: Test | Value;
}

/**
 * Compiles a table's plan once per schema version. Row filters were already applied to the
 * full copy by the source query, so here they judge change rows only; ETL `where` judges
 * every row. An UPDATE whose before and after images fall on different sides of the
 * filter becomes a DELETE (leaving) or an INSERT (entering), so the destination holds
 * exactly the rows the filter selects at every point of the log.
 */
export function tablePlan(spec: TaskSpec, t: Pick<TableProgress, 'source'>, schema: TableSchema): TablePlan {
  const source = t.source ?? schema.source!;
  const naming = tableNaming(spec, source.database, source.table);
  const ex = tableExpressions(spec, schema);
  const cols = exprColumns(schema);
  const compileTest = (e: Expression | undefined): Compiled | undefined =>
    e && { columns: e.columns, fn: compileFilter(e, cols) };
  const compileSet = (e: Expression, target: ColumnDef): Compiled => {
    const value = compileValue(e, cols);
    return { columns: e.columns, fn: (g: RowGetter) => toRowValue(value(g), target) };
  };
  const filter = compileTest(ex.filter);
  const where = compileTest(ex.where);
  const set = new Map(
    [...ex.set].map(([name, e]) => [
      name,
      compileSet(
        e,
        schema.columns.find((c) => c.name === name)!,
      ),
    ]),
  );
  const add = [...ex.add].map(([name, e]) => {
    const def = computedColumnDef(
      naming.spec!.etl!.add!.find((a) => a.name === name)!,
      `${source.database}.${source.table}`,
    );
    return { def, encoding: encodingOf(def), value: compileSet(e, def) };
  });
  const rowWork = Boolean(filter || where || set.size || add.length);
  // The snapshot sends such a table's chunks straight to the sink by the same rule.
  const identity = rowsPassUnchanged(spec, schema);

  return {
    identity,
    apply(rs) {
      if (identity) return rs;
      const keep = rs.columnNames.map((n, i) => [n, i] as const).filter(([n]) => !ex.drop.has(n));
      const names = [...keep.map(([n]) => naming.column(n)), ...add.map((a) => a.def.name)];
      if (!rowWork) {
        // Renames and drops only: the column vectors are reused as they are.
        return { ...rs, columnNames: names, columns: keep.map(([, i]) => rs.columns[i]!) };
      }
      const index = new Map(rs.columnNames.map((n, i) => [n, i]));
      let row = 0;
      const getterFor = (c: Compiled): RowGetter => {
        const at = c.columns.map((n) => index.get(n) ?? -1);
        // A column added after these rows were read is NULL for them.
        return (i) => (at[i]! < 0 ? null : valueAt(rs.columns[at[i]!]!, row));
      };
      const getters = new Map<Compiled, RowGetter>();
      const run = <T extends Test | Value>(c: Compiled): ReturnType<T> => {
        let g = getters.get(c);
        if (!g) getters.set(c, (g = getterFor(c)));
        return (c.fn as T)(g) as ReturnType<T>;
      };
      const encodings: ValueEncoding[] = [
        ...keep.map(([, i]) => rs.columns[i]!.encoding),
        ...add.map((a) => a.encoding),
      ];
      const out = new RowSetBuilder(rs.table!, names, encodings, rs.schemaVersion);
      const snapshot = rs.kinds.length === 0;
      const passes = (r: number): boolean => {
        row = r;
        return (snapshot || !filter || run<Test>(filter)) && (!where || run<Test>(where));
      };
      const values = (r: number): CanonicalValue[] => {
        row = r;
        const v: CanonicalValue[] = keep.map(([n, i]) => {
          const s = set.get(n);
          return s ? run<Value>(s) : valueAt(rs.columns[i]!, r);
        });
        for (const a of add) v.push(run<Value>(a.value));
        return v;
      };
      for (let r = 0; r < rs.rowCount; r++) {
        if (snapshot) {
          if (passes(r)) out.add(values(r));
          continue;
        }
        const kind = rs.kinds[r]!;
        const id = rs.recordIds[r]!;
        const ts = rs.eventTimes[r]!;
        if (kind === ChangeKind.CHANGE_KIND_UPDATE_BEFORE) {
          const before = passes(r);
          const after = passes(r + 1);
          if (before && after) {
            out.addChange(kind, id, ts, values(r));
            out.addChange(
              ChangeKind.CHANGE_KIND_UPDATE_AFTER,
              rs.recordIds[r + 1]!,
              rs.eventTimes[r + 1]!,
              values(r + 1),
            );
          } else if (before) out.addChange(ChangeKind.CHANGE_KIND_DELETE, id, ts, values(r));
          else if (after)
            out.addChange(ChangeKind.CHANGE_KIND_INSERT, rs.recordIds[r + 1]!, rs.eventTimes[r + 1]!, values(r + 1));
          r++;
          continue;
        }
        if (passes(r)) out.addChange(kind, id, ts, values(r));
      }
      const result = out.finish(rs.destTable);
      return result.rowCount > 0 || snapshot ? result : undefined;
    },
  };
}
