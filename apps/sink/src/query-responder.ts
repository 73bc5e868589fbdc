import { realpathSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { serveWarehouseReads, type Bus, type WarehouseReadHandlers } from '@tidewater/bus';
import { DuckDbWarehouse } from '@tidewater/duckdb-sink';
import { TidewaterError } from '@tidewater/errors';
import type { Component } from '@tidewater/runtime';
import type { Destination } from '@tidewater/task-plan';
import type { Logger } from '@tidewater/telemetry';

/** Reads one warehouse answers at once; more would take the sink's DuckDB threads and memory from its writes. */
const MAX_CONCURRENT_READS = 2;

interface Served {
  users: number;
  readonly subscription: { stop(): void };
  readonly release: () => Promise<void>;
}

/** The file a sink holds, served under its path while any task uses it. */
interface Held {
  readonly file: Served;
  /** Aborted when the sink lets the file go: interrupts the reads still running. */
  readonly closing: AbortController;
  readonly running: Set<Promise<unknown>>;
  readonly handlers: WarehouseReadHandlers;
}

let context: { bus: Bus; log: Logger } | undefined;
const held = new Map<DuckDbWarehouse, Held>();
const byTask = new Map<string, Served>();

/**
 * Read queries and Parquet exports for the DuckDB files this sink holds (`tidewater query` /
 * `export` while a task runs: DuckDB lets no other process open the file). Once started,
 * `answerReads` subscribes for each destination opened.
 */
export function queryResponder(bus: Bus, log: Logger): Component {
  return {
    name: 'query-responder',
    async start() {
      context = { bus, log };
    },
    async stop() {
      context = undefined;
    },
  };
}

/**
 * Answers reads of `dest` under its file's subject and under `taskId`'s, until the returned
 * stop; the last stop of a file interrupts its running reads and waits for them, so the
 * file can be closed after. Nothing for another kind of destination.
 */
export function answerReads(dest: Destination, taskId: string): { stop(): Promise<void> } {
  const ctx = context;
  if (!(dest instanceof DuckDbWarehouse) || !ctx) return { stop: async () => undefined };
  let h = held.get(dest);
  if (!h) h = holdFile(ctx, dest);
  h.file.users++;
  let t = byTask.get(taskId);
  if (!t) {
    t = {
      users: 0,
      subscription: serveWarehouseReads(ctx.bus, [{ task: taskId }], h.handlers),
      release: async () => undefined,
    };
    byTask.set(taskId, t);
  }
  t.users++;
  const [file, task] = [h, t];
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (--task.users === 0) {
        task.subscription.stop();
        byTask.delete(taskId);
      }
      if (--file.file.users === 0) await file.file.release();
    },
  };
}

function holdFile(ctx: { bus: Bus; log: Logger }, w: DuckDbWarehouse): Held {
  const closing = new AbortController();
  const running = new Set<Promise<unknown>>();
  const bounded = <T>(work: () => Promise<T>): Promise<T> => {
    if (running.size >= MAX_CONCURRENT_READS)
      return Promise.reject(
        new TidewaterError('TW_BUS_UNAVAILABLE', `the sink holding ${w.path} is answering ${running.size} reads`, {
          subject: w.path,
          fix: 'ask again once they are done',
        }),
      );
    const p = work();
    running.add(p);
    void p.catch(() => undefined).finally(() => running.delete(p));
    return p;
  };
  const handlers: WarehouseReadHandlers = {
    query: (q) => bounded(() => w.query(q.sql, { ...q, signal: closing.signal })),
    export: (x) =>
      bounded(async () => {
        if (!isAbsolute(x.outDir))
          throw new TidewaterError('TW_SPEC_INVALID', `export directory ${x.outDir} is not absolute`, {
            subject: '--out',
            fix: 'pass an absolute directory (of the machine the sink runs on)',
          });
        const files = await w.exportParquet({ ...x, task: x.task || undefined, signal: closing.signal });
        return files.map((f) => ({ ...f, rows: BigInt(f.rows) }));
      }),
    failed: (what, e) => ctx.log.warn(`warehouse ${what} failed`, { err: e, warehouse: w.path }),
  };
  // Requesters resolve symlinks too: one file, one subject, however it was named.
  const subscription = serveWarehouseReads(ctx.bus, [{ file: realpathSync(w.path) }], handlers);
  const h: Held = {
    closing,
    running,
    handlers,
    file: {
      users: 0,
      subscription,
      release: async () => {
        subscription.stop();
        held.delete(w);
        closing.abort();
        await Promise.allSettled([...running]);
      },
    },
  };
  held.set(w, h);
  return h;
}
