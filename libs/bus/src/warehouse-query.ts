import { createHash } from 'node:crypto';
import { RequestError, type Msg } from '@nats-io/transport-node';
import {
  WarehouseExportReply,
  WarehouseExportRequest,
  WarehouseQueryReply,
  WarehouseQueryRequest,
  type ExportedFile,
  type SinkControlError,
} from '@tidewater/proto';
import { ErrorCodes, TidewaterError, isTidewaterError, type ErrorCode } from '@tidewater/errors';
import type { Bus } from './connection.js';
import { subjects } from './topology.js';

/** A cell of a query result as it travels: 64-bit integers, decimals, times and nested values as text. */
export type Cell = null | boolean | number | string;

export interface WarehouseRows {
  readonly columns: string[];
  readonly columnTypes: string[];
  readonly rows: Cell[][];
  /** Why rows were left off (row or byte cap); empty when the result is complete. */
  readonly truncated: string;
}

export interface WarehouseQuery {
  readonly sql: string;
  readonly maxRows?: number;
  readonly timeoutMs?: number;
}

export interface WarehouseExport {
  readonly outDir: string;
  readonly task?: string;
  readonly timeoutMs?: number;
}

/** Which sink answers: the one holding this file open, or the one holding the destination of this task. */
export type WarehouseTarget = { readonly file: string } | { readonly task: string };

/** Room the reply's other fields and headers keep below the server's max_payload. */
const REPLY_MARGIN = 64 * 1024;
export const DEFAULT_QUERY_TIMEOUT_MS = 60_000;
export const DEFAULT_EXPORT_TIMEOUT_MS = 30 * 60_000;
/** How much longer than the work's own timeout a requester waits for the reply. */
const REPLY_GRACE_MS = 15_000;

/**
 * The subject key of a target: a digest, so any path (dots, spaces, any length) makes one
 * subject token, and only the sink that opened the file subscribes to it. `file` must be
 * the absolute, symlink-free path (both sides resolve it so).
 */
export function warehouseKey(target: WarehouseTarget): string {
  const text = 'file' in target ? `file:${target.file}` : `task:${target.task}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * One read-only query, answered by the sink holding the target's warehouse. Undefined when
 * no sink holds it (nothing subscribed: no task runs on it); a refusal or a failed query comes
 * back as the TidewaterError the sink met.
 */
export async function requestWarehouseQuery(
  bus: Bus,
  target: WarehouseTarget,
  q: WarehouseQuery,
): Promise<WarehouseRows | undefined> {
  const timeoutMs = q.timeoutMs || DEFAULT_QUERY_TIMEOUT_MS;
  const data = WarehouseQueryRequest.encode({ sql: q.sql, maxRows: q.maxRows ?? 0, maxBytes: 0, timeoutMs }).finish();
  const msg = await ask(bus, subjects.warehouseQuery(warehouseKey(target)), data, timeoutMs);
  if (!msg) return undefined;
  const r = WarehouseQueryReply.decode(msg.data);
  if (r.error) throw fromReply(r.error);
  return {
    columns: r.columns,
    columnTypes: r.columnTypes,
    rows: JSON.parse(r.rowsJson || '[]') as Cell[][],
    truncated: r.truncated,
  };
}

/** A Parquet export done by the sink holding the target's warehouse; undefined when none holds it. */
export async function requestWarehouseExport(
  bus: Bus,
  target: WarehouseTarget,
  x: WarehouseExport,
): Promise<ExportedFile[] | undefined> {
  const timeoutMs = x.timeoutMs || DEFAULT_EXPORT_TIMEOUT_MS;
  const data = WarehouseExportRequest.encode({ outDir: x.outDir, task: x.task ?? '', timeoutMs }).finish();
  const msg = await ask(bus, subjects.warehouseExport(warehouseKey(target)), data, timeoutMs);
  if (!msg) return undefined;
  const r = WarehouseExportReply.decode(msg.data);
  if (r.error) throw fromReply(r.error);
  return r.files;
}

async function ask(bus: Bus, subject: string, data: Uint8Array, timeoutMs: number): Promise<Msg | undefined> {
  try {
    return await bus.nc.request(subject, data, { timeout: timeoutMs + REPLY_GRACE_MS });
  } catch (e) {
    if (e instanceof RequestError && e.isNoResponders()) return undefined;
    throw new TidewaterError(
      'TW_BUS_UNAVAILABLE',
      `the sink holding the warehouse did not answer: ${(e as Error).message}`,
      { fix: 'check the sink is running (tidewater task status, its log in the state dir), then ask again' },
      { cause: e },
    );
  }
}

/** What the sink holding a warehouse does; a thrown error is sent back to the requester. */
export interface WarehouseReadHandlers {
  /** `maxBytes`: the budget of `rows_json` so that the reply fits one bus message. */
  query(q: Required<WarehouseQuery> & { maxBytes: number }): Promise<WarehouseRows>;
  export(x: Required<WarehouseExport>): Promise<ExportedFile[]>;
  /** Called with each error before it is sent back (for the sink's log). */
  failed(what: 'query' | 'export', e: unknown): void;
}

/**
 * Answers queries and exports on the subjects of `targets`. Not a queue group: only the sink
 * that holds the file subscribes, and a file has one holder.
 */
export function serveWarehouseReads(
  bus: Bus,
  targets: readonly WarehouseTarget[],
  h: WarehouseReadHandlers,
): { stop(): void } {
  const replyBudget = () => Math.max(64 * 1024, (bus.nc.info?.max_payload ?? 1024 * 1024) - REPLY_MARGIN);
  const onQuery = (msg: Msg) =>
    answer(
      msg,
      async () => {
        const req = WarehouseQueryRequest.decode(msg.data);
        const budget = replyBudget();
        const r = await h.query({
          sql: req.sql,
          maxRows: req.maxRows,
          timeoutMs: req.timeoutMs,
          maxBytes: req.maxBytes ? Math.min(req.maxBytes, budget) : budget,
        });
        return WarehouseQueryReply.encode({
          columns: r.columns,
          columnTypes: r.columnTypes,
          rowsJson: JSON.stringify(r.rows),
          truncated: r.truncated,
        }).finish();
      },
      (error) => (
        h.failed('query', error),
        WarehouseQueryReply.encode(WarehouseQueryReply.fromPartial({ error: toReplyError(error) })).finish()
      ),
    );
  const onExport = (msg: Msg) =>
    answer(
      msg,
      async () => {
        const req = WarehouseExportRequest.decode(msg.data);
        const files = await h.export({ outDir: req.outDir, task: req.task, timeoutMs: req.timeoutMs });
        return WarehouseExportReply.encode({ files }).finish();
      },
      (error) => (
        h.failed('export', error),
        WarehouseExportReply.encode(WarehouseExportReply.fromPartial({ error: toReplyError(error) })).finish()
      ),
    );
  const subs = targets.flatMap((t) => {
    const key = warehouseKey(t);
    return [
      bus.nc.subscribe(subjects.warehouseQuery(key), { callback: (_e, m) => onQuery(m) }),
      bus.nc.subscribe(subjects.warehouseExport(key), { callback: (_e, m) => onExport(m) }),
    ];
  });
  return {
    stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}

function answer(msg: Msg, work: () => Promise<Uint8Array>, failure: (e: unknown) => Uint8Array): void {
  void work().then(
    (reply) => msg.respond(reply),
    (e: unknown) => msg.respond(failure(e)),
  );
}

/** An error without our code is the destination's (a driver error while reading). */
function toReplyError(e: unknown): SinkControlError {
  const json = isTidewaterError(e) ? e.toJSON() : { code: 'TW_DEST_WRITE', message: (e as Error).message, details: {} };
  return { code: String(json.code), message: String(json.message), detailsJson: JSON.stringify(json.details ?? {}) };
}

function fromReply(error: SinkControlError): TidewaterError {
  const code = error.code in ErrorCodes ? (error.code as ErrorCode) : 'TW_DEST_WRITE';
  const details = error.detailsJson ? (JSON.parse(error.detailsJson) as Record<string, unknown>) : {};
  return new TidewaterError(code, error.message || 'the sink could not read the warehouse', details);
}
