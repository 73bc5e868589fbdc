import { subjects, type Bus } from '@tidewater/bus';
import type { Logger } from '@tidewater/telemetry';
import { specOf, taskOwner, type TaskStore } from '@tidewater/task-state';
import { destTables, type Destination } from '@tidewater/task-plan';
import { isTidewaterError } from '@tidewater/errors';
import type { Component } from '@tidewater/runtime';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { acquireDestination } from './open-destination.js';
import { tableOptions } from './table-options.js';

/**
 * Requests that need the destination before a task runs: schema migration and the
 * destination precheck. They run in the sink because the sink owns destination access (an
 * embedded DuckDB file has one writer). Any sink instance may answer (queue group).
 */
export function schemaResponder(bus: Bus, store: TaskStore, log: Logger, duckdbMemory: string): Component {
  const subs: Subscription[] = [];
  const serve = (subject: string, what: string, work: (dest: Destination, taskId: string, req: Record<string, unknown>) => Promise<Record<string, unknown>>) =>
    bus.nc.subscribe(subject, {
      queue: 'sink',
      callback: (_err, msg: Msg) => {
        const req = JSON.parse(msg.string()) as { taskId: string } & Record<string, unknown>;
        void (async () => {
          try {
            const { state } = await store.require(req.taskId);
            const { dest, release } = await acquireDestination(specOf(state), duckdbMemory);
            try {
              msg.respond(JSON.stringify({ ok: true, ...(await work(dest, req.taskId, req)) }));
            } finally {
              await release();
            }
          } catch (e) {
            log.warn(`${what} failed`, { task: req.taskId, err: e });
            msg.respond(JSON.stringify({ ok: false, error: isTidewaterError(e) ? e.toJSON() : { code: 'TW_DEST_WRITE', message: (e as Error).message, details: {} } }));
          }
        })();
      },
    });
  return {
    name: 'schema-responder',
    async start() {
      subs.push(
        serve(subjects.sinkSchema, 'schema migration', async (dest, taskId) => {
          const { state } = await store.require(taskId);
          const spec = specOf(state);
          await dest.ensureTables(taskOwner(state), destTables(state, spec), tableOptions(spec));
          return {};
        }),
        serve(subjects.sinkInspect, 'destination inspection', async (dest, taskId, req) => {
          const { state } = await store.require(taskId);
          return { foreign: await dest.foreignTables(taskOwner(state), Array.isArray(req.tables) ? req.tables.map(String) : []) };
        }),
      );
    },
    async stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}
