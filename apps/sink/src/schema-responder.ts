import { serveSinkControl, serveSinkResync, type Bus } from '@tidewater/bus';
import { TidewaterError } from '@tidewater/errors';
import type { Logger } from '@tidewater/telemetry';
import { specOf, taskOwner, type TaskStore } from '@tidewater/task-state';
import { destTables, type Destination } from '@tidewater/task-plan';
import type { Component } from '@tidewater/runtime';
import { acquireDestination } from './open-destination.js';
import { tableOptions } from './table-options.js';

/**
 * Requests that need the destination outside a partition's writes: schema migration, the
 * destination precheck and completing a resync (R1: the swap of staging into `_base`). They run in the sink because the sink owns destination access (an
 * embedded DuckDB file has one writer). Any sink instance may answer (queue group).
 */
export function schemaResponder(bus: Bus, store: TaskStore, log: Logger, duckdbMemory: string): Component {
  let served: { stop(): void } | undefined;
  let resyncs: { stop(): void } | undefined;
  const withDestination = async <T>(taskId: string, work: (dest: Destination) => Promise<T>): Promise<T> => {
    const { state } = await store.require(taskId);
    const { dest, release } = await acquireDestination(specOf(state), duckdbMemory);
    try {
      return await work(dest);
    } finally {
      await release();
    }
  };
  return {
    name: 'schema-responder',
    async start() {
      served = serveSinkControl(bus, {
        schema: (taskId) =>
          withDestination(taskId, async (dest) => {
            const { state } = await store.require(taskId);
            const spec = specOf(state);
            await dest.ensureTables(taskOwner(state), destTables(state, spec), tableOptions(spec));
          }),
        inspect: (taskId, tables) =>
          withDestination(taskId, async (dest) => {
            const { state } = await store.require(taskId);
            return { foreign: await dest.foreignTables(taskOwner(state), tables), server: await dest.describe() };
          }),
        failed: (what, taskId, e) => log.warn(`${what} failed`, { task: taskId, err: e }),
      });
      resyncs = serveSinkResync(
        bus,
        (req) =>
          withDestination(req.taskId, async (dest) => {
            const { state } = await store.require(req.taskId);
            const spec = specOf(state);
            const table = destTables(state, spec).find(
              (t) => t.source.database === req.database && t.source.table === req.table,
            );
            if (!table)
              throw new TidewaterError(
                'TW_TASK_STATE',
                `task ${req.taskId} has no table ${req.database}.${req.table}`,
                {
                  subject: `${req.database}.${req.table}`,
                },
              );
            await dest.completeResync(taskOwner(state), table, req.generation, req.watermark, tableOptions(spec));
            log.info('resync completed', {
              task: req.taskId,
              table: `${req.database}.${req.table}`,
              generation: req.generation,
            });
          }),
        (req, e) => log.warn('resync completion failed', { task: req?.taskId, err: e }),
      );
    },
    async stop() {
      served?.stop();
      resyncs?.stop();
    },
  };
}
