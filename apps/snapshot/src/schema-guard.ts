import { TidewaterError } from '@tidewater/errors';
import { SnapshotChunk, type ColumnDef, type TableRef } from '@tidewater/proto';
import type { JsMsg } from '@tidewater/bus';
import type { LiveColumn, SourceClient } from '@tidewater/mysql-source';

/**
 * DDL during the full copy (as in DTS, unsupported): a chunk is read by the column list of the
 * plan, so a column added meanwhile would be silently missing from `_base` and a dropped one
 * would fail the read as a retriable query error for the whole retry window. Each chunk's
 * copy is therefore followed (and a failed one explained) by a look at the table's columns
 * now; any difference from the plan fails the task with TW_DDL_DURING_FULL.
 *
 * Checked after the read, not before: the read holds the table's metadata lock, so a DDL
 * either finished before the read ended (and is seen by the check) or waits for it (and the
 * rows read are all of the planned shape).
 */

export interface SchemaDrift {
  readonly added: readonly string[];
  readonly dropped: readonly string[];
  /** `name: planned → now` */
  readonly retyped: readonly string[];
}

/** What changed between the planned columns and those the table has now; undefined = nothing. */
export function schemaDrift(
  planned: readonly Pick<ColumnDef, 'name' | 'columnType'>[],
  live: readonly LiveColumn[],
): SchemaDrift | undefined {
  const now = new Map(live.map((c) => [c.name, c.columnType]));
  const was = new Map(planned.map((c) => [c.name, c.columnType]));
  const added = live.filter((c) => !was.has(c.name)).map((c) => `${c.name} ${c.columnType}`);
  const dropped = planned.filter((c) => !now.has(c.name)).map((c) => c.name);
  const retyped = planned
    .filter((c) => now.has(c.name) && now.get(c.name) !== c.columnType)
    .map((c) => `${c.name}: ${c.columnType} → ${now.get(c.name)}`);
  // A reorder alone (MODIFY … AFTER) leaves every named read correct: not a drift.
  return added.length || dropped.length || retyped.length ? { added, dropped, retyped } : undefined;
}

export const DDL_DURING_FULL_FIX =
  'recreate the task, or start it again once the schema is stable; DDL during the full copy is not supported, as in DTS';

export function ddlDuringFullError(table: TableRef, drift: SchemaDrift, live: readonly LiveColumn[]): TidewaterError {
  const name = `${table.database}.${table.table}`;
  const parts = live.length
    ? [
        drift.added.length ? `columns added: ${drift.added.join(', ')}` : '',
        drift.dropped.length ? `columns dropped: ${drift.dropped.join(', ')}` : '',
        drift.retyped.length ? `columns retyped: ${drift.retyped.join(', ')}` : '',
      ].filter(Boolean)
    : ['the table is gone (dropped or renamed)'];
  return new TidewaterError(
    'TW_DDL_DURING_FULL',
    `table ${name} changed while its full copy ran (${parts.join('; ')}); its _base would no longer match the source, so the task stops`,
    { subject: name, fix: DDL_DURING_FULL_FIX },
  );
}

/** Throws TW_DDL_DURING_FULL when the table no longer has the planned columns. */
export async function requirePlannedColumns(
  source: SourceClient,
  table: TableRef,
  planned: readonly ColumnDef[],
): Promise<void> {
  const live = await source.readColumns(table);
  const drift = schemaDrift(planned, live);
  if (drift) throw ddlDuringFullError(table, drift, live);
}

/** What the check may wait for: the worker's stop signal, and the task's source query pace. */
export interface GuardOptions {
  readonly signal?: AbortSignal;
  /** Admits the check's one catalog query (throttle.full.qps counts every source query). */
  readonly admitQuery?: () => Promise<void>;
}

/**
 * Runs the copy of one work item and then checks its table's columns; a failed copy whose table
 * changed fails with the change instead of its own (retriable) query error.
 */
export async function copyWithSchemaGuard<T>(
  source: SourceClient,
  work: JsMsg,
  copy: () => Promise<T>,
  opts: GuardOptions = {},
): Promise<T> {
  const schema = SnapshotChunk.decode(work.data).schema!;
  const table = schema.source!;
  const check = async () => {
    await opts.admitQuery?.();
    await requirePlannedColumns(source, table, schema.columns);
  };
  let result: T;
  try {
    result = await copy();
  } catch (e) {
    // A stopping worker explains nothing. Otherwise the change when there is one; the copy's
    // own error if the table is unchanged (or the source is gone too).
    if (opts.signal?.aborted) throw e;
    await check().catch((g: unknown) => {
      if (g instanceof TidewaterError && g.code === 'TW_DDL_DURING_FULL') throw g;
    });
    throw e;
  }
  await check();
  return result;
}
