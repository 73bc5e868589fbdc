import { subjects, type Bus } from '@tidewater/bus';
import type { Logger } from '@tidewater/telemetry';
import { destTables, specOf, type TaskStore } from '@tidewater/task-state';
import { isTidewaterError } from '@tidewater/errors';
import type { Component } from '@tidewater/runtime';
import type { Subscription } from '@nats-io/transport-node';
import { acquireDestination } from './open-destination.js';
import { tableOptions } from './table-options.js';

/**
 * Schema migration runs in the sink because the sink owns destination writes (an embedded
 * DuckDB file has one writer). Any sink instance may answer (queue group).
 */
export function schemaResponder(bus: Bus, store: TaskStore, log: Logger): Component {
  let sub: Subscription | undefined;
  return {
    name: 'schema-responder',
    async start() {
      sub = bus.nc.subscribe(subjects.sinkSchema, {
        queue: 'sink',
        callback: (_err, msg) => {
          const { taskId } = JSON.parse(msg.string()) as { taskId: string };
          void (async () => {
            try {
              const { state } = await store.require(taskId);
              const spec = specOf(state);
              const { dest, release } = await acquireDestination(spec);
              try {
                await dest.ensureTables(taskId, destTables(state), tableOptions(spec));
              } finally {
                await release();
              }
              msg.respond(JSON.stringify({ ok: true }));
            } catch (e) {
              log.warn('schema migration failed', { task: taskId, err: e });
              msg.respond(JSON.stringify({ ok: false, error: isTidewaterError(e) ? e.toJSON() : { code: 'TW_DEST_WRITE', message: (e as Error).message, details: {} } }));
            }
          })();
        },
      });
    },
    async stop() {
      sub?.unsubscribe();
    },
  };
}
