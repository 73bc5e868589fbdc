import type { ColumnDef, TableRef } from '@tidewater/proto';

/** A destination table family (`_base`, `_log`, `_merged`) as the sink is asked to write it. */
export interface DestTable {
  readonly source: TableRef;
  /** DuckDB schema: the (mapped) source database name, like a schema of a MaxCompute project. */
  readonly schema: string;
  /** Table stem: `<stem>_base`, `<stem>_log`, `<stem>_merged`. */
  readonly stem: string;
  readonly columns: readonly ColumnDef[];
  readonly keyColumns: readonly string[];
  /** Source schema version the columns belong to (increments on ADD COLUMN). */
  readonly version: number;
}

export interface LogColumns {
  readonly recordId: string;
  readonly operationFlag: string;
  readonly utcTimestamp: string;
  readonly beforeFlag: string;
  readonly afterFlag: string;
}

export const PARTITION_COLUMNS = [
  'modifytime_year',
  'modifytime_month',
  'modifytime_day',
  'modifytime_hour',
  'modifytime_minute',
] as const;
export type PartitionColumn = (typeof PARTITION_COLUMNS)[number];

export interface TableOptions {
  readonly temporalMapping: 'native' | 'string';
  readonly conflictMode: 'precheck' | 'ignore';
  /** Create `_log` and `_merged` too. */
  readonly incremental: boolean;
  readonly additionalColumnRule: 'previous' | 'new';
  readonly partition: readonly PartitionColumn[];
}

/** Names of DTS's additional columns under a naming rule (`additionalColumnRule`). */
export function logColumns(rule: 'previous' | 'new'): LogColumns {
  const p = rule === 'new' ? 'new_dts_sync_' : '';
  return {
    recordId: `${p}record_id`,
    operationFlag: `${p}operation_flag`,
    utcTimestamp: `${p}utc_timestamp`,
    beforeFlag: `${p}before_flag`,
    afterFlag: `${p}after_flag`,
  };
}

export function partitionColumnName(col: PartitionColumn, rule: 'previous' | 'new'): string {
  return rule === 'new' ? `new_dts_sync_${col}` : col;
}

/** Column names a `_log` table adds under a naming rule: a source column may not use one. */
export function reservedLogColumnNames(rule: 'previous' | 'new'): string[] {
  return [...Object.values(logColumns(rule)), ...PARTITION_COLUMNS.map((c) => partitionColumnName(c, rule))];
}
