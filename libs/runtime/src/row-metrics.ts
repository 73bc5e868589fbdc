import { RowSet } from '@tidewater/proto';
import { metrics, type Direction } from '@tidewater/telemetry';

/** The `table` label of a row set: its source `db.table` (bounded: one per selected table). */
export const tableLabel = (rs: Pick<RowSet, 'table'>): string => `${rs.table?.database}.${rs.table?.table}`;

/**
 * Counts a batch's rows per table into tidewater_rows_total / tidewater_bytes_total. A
 * single-table batch's bytes are the whole message; a multi-table one's are each row set's
 * encoded size.
 */
export function countBatchRows(
  labels: { readonly task: string; readonly stage: string; readonly direction: Direction },
  sets: readonly { readonly rs: RowSet; readonly rows: number }[],
  batchBytes: number,
): void {
  for (const { rs, rows } of sets) {
    const bytes = sets.length === 1 ? batchBytes : RowSet.encode(rs).finish().length;
    metrics.countRows({ ...labels, table: tableLabel(rs) }, rows, bytes);
  }
}
