import type { Msg } from '@nats-io/transport-node';
import {
  SinkInspectReply,
  SinkInspectRequest,
  SinkSchemaReply,
  SinkSchemaRequest,
  type SinkControlError,
} from '@tidewater/proto';
import { ErrorCodes, TidewaterError, isTidewaterError, type ErrorCode } from '@tidewater/errors';
import type { Bus } from './connection.js';
import { subjects } from './topology.js';
import { extractTrace, injectTrace } from './trace-headers.js';
import { inSpan } from '@tidewater/telemetry';

/** Schema migration waits this long for a sink to answer (sinks may still be starting). */
const SCHEMA_DEADLINE_MS = 120_000;
/** The destination check of a precheck waits this long. */
const INSPECT_DEADLINE_MS = 15_000;

/**
 * Asks a sink to create the task's destination tables; retries until one answers. A sink's
 * error comes back as the TidewaterError it met (same code, message and details).
 */
export async function requestSinkSchema(bus: Bus, taskId: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + SCHEMA_DEADLINE_MS;
  const data = SinkSchemaRequest.encode({ taskId }).finish();
  for (;;) {
    if (signal.aborted) throw new TidewaterError('TW_TASK_STATE', 'coordinator stopping');
    try {
      const reply = SinkSchemaReply.decode(
        (await bus.nc.request(subjects.sinkSchema, data, { timeout: 30_000, headers: injectTrace() })).data,
      );
      if (!reply.error) return;
      throw fromReply(reply.error, 'TW_DEST_WRITE', 'schema migration failed');
    } catch (e) {
      if (e instanceof TidewaterError) throw e;
      // No sink answering yet (starting up): retry until the deadline.
      if (Date.now() > deadline) {
        throw new TidewaterError('TW_BUS_UNAVAILABLE', `no sink service answered schema migration for task ${taskId}`, {
          fix: 'start at least one sink service (tidewater up starts one)',
        });
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** What a sink found on opening a task's destination for the precheck. */
export interface DestinationFacts {
  /** Of the tables asked about, those that exist already, owned by no task. */
  readonly foreign: string[];
  /** What it reached: `host:port/db as user, PostgreSQL 16.4`, or the DuckDB file and version; never a password. */
  readonly server: string;
}

/** Asks any sink to open the task's destination: which of `tables` exist already, owned by no task, and what it reached. */
export async function requestSinkInspect(bus: Bus, taskId: string, tables: string[]): Promise<DestinationFacts> {
  const data = SinkInspectRequest.encode({ taskId, tables }).finish();
  let reply: Msg;
  // A sink still starting has no subscription yet, and NATS answers "no responders" at once:
  // ask again until the deadline rather than fail a precheck run right after `up`.
  const deadline = Date.now() + INSPECT_DEADLINE_MS;
  for (;;) {
    try {
      reply = await bus.nc.request(subjects.sinkInspect, data, { timeout: Math.max(1_000, deadline - Date.now()) });
      break;
    } catch {
      if (Date.now() >= deadline)
        throw new TidewaterError('TW_BUS_UNAVAILABLE', 'no sink service answered the destination check within 15 s', {
          fix: 'start a sink service (tidewater up starts one)',
        });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const r = SinkInspectReply.decode(reply.data);
  if (r.error)
    throw new TidewaterError(
      'TW_DEST_WRITE',
      `the destination could not be inspected: ${r.error.message || 'unknown error'}`,
    );
  return { foreign: r.foreign, server: r.server };
}

/** What a sink does for each control request; a thrown error is sent back to the requester. */
export interface SinkControlHandlers {
  schema(taskId: string): Promise<void>;
  inspect(taskId: string, tables: string[]): Promise<DestinationFacts>;
  /** Called with each error before it is sent back (for the sink's log). */
  failed(what: 'schema migration' | 'destination inspection', taskId: string, e: unknown): void;
}

/** Answers the sink control subjects in queue group `sink` (any one sink instance answers). */
export function serveSinkControl(bus: Bus, h: SinkControlHandlers): { stop(): void } {
  const serve = <Req>(
    subject: string,
    what: 'schema migration' | 'destination inspection',
    decode: (data: Uint8Array) => Req & { taskId: string },
    work: (req: Req & { taskId: string }) => Promise<Uint8Array>,
    failure: (error: SinkControlError) => Uint8Array,
  ) =>
    bus.nc.subscribe(subject, {
      queue: 'sink',
      callback: (_err, msg: Msg) => {
        void (async () => {
          let taskId = '';
          try {
            const req = decode(msg.data);
            taskId = req.taskId;
            const reply = await inSpan(
              `sink.${what.replace(' ', '_')}`,
              { 'tidewater.task': taskId },
              () => work(req),
              extractTrace(msg.headers),
            );
            msg.respond(reply);
          } catch (e) {
            h.failed(what, taskId, e);
            msg.respond(failure(toReplyError(e)));
          }
        })();
      },
    });
  const subs = [
    serve(
      subjects.sinkSchema,
      'schema migration',
      SinkSchemaRequest.decode,
      async (req) => {
        await h.schema(req.taskId);
        return SinkSchemaReply.encode({}).finish();
      },
      (error) => SinkSchemaReply.encode({ error }).finish(),
    ),
    serve(
      subjects.sinkInspect,
      'destination inspection',
      SinkInspectRequest.decode,
      async (req) => {
        return SinkInspectReply.encode(await h.inspect(req.taskId, req.tables)).finish();
      },
      (error) => SinkInspectReply.encode({ foreign: [], server: '', error }).finish(),
    ),
  ];
  return {
    stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}

/** An error without our code is the destination's (a driver error while writing). */
export function toReplyError(e: unknown): SinkControlError {
  const json = isTidewaterError(e) ? e.toJSON() : { code: 'TW_DEST_WRITE', message: (e as Error).message, details: {} };
  return { code: String(json.code), message: String(json.message), detailsJson: JSON.stringify(json.details ?? {}) };
}

export function fromReply(error: SinkControlError, fallback: ErrorCode, message: string): TidewaterError {
  const code = error.code in ErrorCodes ? (error.code as ErrorCode) : fallback;
  return new TidewaterError(
    code,
    error.message || message,
    error.detailsJson ? (JSON.parse(error.detailsJson) as Record<string, unknown>) : {},
  );
}
