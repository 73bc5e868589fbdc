import type { Msg } from '@nats-io/transport-node';
import { SinkResyncReply, SinkResyncRequest } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { inSpan } from '@tidewater/telemetry';
import type { Bus } from './connection.js';
import { subjects } from './topology.js';
import { extractTrace, injectTrace } from './trace-headers.js';
import { fromReply, toReplyError } from './sink-control.js';

/** What the coordinator asks a sink to complete: one table's resync generation. */
export type SinkResync = SinkResyncRequest;

/** Completing waits this long for a sink to answer (the swap of a large table takes a while). */
const RESYNC_DEADLINE_MS = 120_000;

/**
 * Asks a sink to swap a completed resync generation into `_base` (request/reply, queue group
 * `sink`); asks again until one answers. The sink's error comes back as the TidewaterError it
 * met. Safe to repeat: the destination completes a generation once.
 */
export async function requestSinkResync(bus: Bus, req: SinkResync, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + RESYNC_DEADLINE_MS;
  const data = SinkResyncRequest.encode(req).finish();
  for (;;) {
    if (signal.aborted) throw new TidewaterError('TW_TASK_STATE', 'coordinator stopping');
    try {
      const msg = await bus.nc.request(subjects.sinkResync, data, { timeout: 300_000, headers: injectTrace() });
      const reply = SinkResyncReply.decode(msg.data);
      if (!reply.error) return;
      throw fromReply(reply.error, 'TW_DEST_WRITE', `resync of ${req.database}.${req.table} failed`);
    } catch (e) {
      if (e instanceof TidewaterError) throw e;
      if (Date.now() > deadline)
        throw new TidewaterError(
          'TW_BUS_UNAVAILABLE',
          `no sink service answered completing the resync of ${req.database}.${req.table} for task ${req.taskId}`,
          { fix: 'start a sink service (tidewater up starts one)' },
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Answers `tw.ctl.sink.resync` in queue group `sink`; a thrown error is sent back to the coordinator. */
export function serveSinkResync(
  bus: Bus,
  complete: (req: SinkResync) => Promise<void>,
  failed: (req: SinkResync | undefined, e: unknown) => void,
): { stop(): void } {
  const sub = bus.nc.subscribe(subjects.sinkResync, {
    queue: 'sink',
    callback: (_err, msg: Msg) => {
      void (async () => {
        let req: SinkResync | undefined;
        try {
          req = SinkResyncRequest.decode(msg.data);
          const r = req;
          await inSpan('sink.resync', { 'tidewater.task': r.taskId }, () => complete(r), extractTrace(msg.headers));
          msg.respond(SinkResyncReply.encode({}).finish());
        } catch (e) {
          failed(req, e);
          msg.respond(SinkResyncReply.encode({ error: toReplyError(e) }).finish());
        }
      })();
    },
  });
  return { stop: () => sub.unsubscribe() };
}
