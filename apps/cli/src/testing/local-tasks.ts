import { join } from 'node:path';
import type { WarehouseSession } from '@tidewater/duckdb-sink';
import type { MariaDbOptions } from '@tidewater/testkit';
import type { Stage, TaskView } from '@tidewater/proto';
import { startLocal, type LocalRun } from '../local-run.js';
import { appliedUpToNow } from './applied.js';
import { specText } from './specs.js';
import { startStack, type Stack } from './stack.js';
import { openReleased, stopAndOpen, untilStage } from './task-waits.js';

/**
 * A local run (incremental) on a fresh stack, with the shortcuts of the end-to-end task tests:
 * tasks write to `<work>/<name>.duckdb`, and waits for a warehouse poll every 100 ms.
 */
export class LocalTasks {
  private constructor(
    readonly stack: Stack,
    readonly local: LocalRun,
  ) {}

  static async start(prefix: string, dbOptions: MariaDbOptions = {}): Promise<LocalTasks> {
    const stack = await startStack(prefix, dbOptions);
    try {
      return new LocalTasks(stack, await startLocal({ stateDir: join(stack.work, 'state'), incremental: true }));
    } catch (e) {
      await stack.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.local.stop();
    await this.stack.stop();
  }

  /** A spec reading the test MariaDB as its admin into `<name>.duckdb`: schema, full and incremental unless `body` says otherwise. */
  spec(name: string, body: Record<string, unknown>): string {
    return specText(name, this.stack.db, join(this.stack.work, `${name}.duckdb`), body);
  }

  /** Creates the task and starts it once its precheck passed (warnings accepted). */
  async start(text: string): Promise<TaskView> {
    const t = await this.local.client.createTask(text);
    return (await this.local.client.precheckAndStart(t.taskId)).task;
  }

  until(taskId: string, stage: Stage): Promise<TaskView> {
    return untilStage(this.local.client, taskId, stage);
  }

  /** The task once it applied every change written to the source so far. */
  caughtUp(taskId: string): Promise<TaskView> {
    const { db } = this.stack;
    return appliedUpToNow(this.local.client, taskId, {
      host: db.host,
      port: db.port,
      user: db.user,
      password: db.password,
    });
  }

  /** The warehouse `file` (in the scratch dir) once the sink released it. */
  openReleased(file: string): Promise<WarehouseSession> {
    return openReleased(join(this.stack.work, file), { intervalMs: 100, what: `the sink to release ${file}` });
  }

  /** Stops the task, then opens its warehouse (named after the task id) once released. */
  stopAndOpen(taskId: string): Promise<WarehouseSession> {
    return stopAndOpen(this.local.client, taskId, join(this.stack.work, `${taskId}.duckdb`), {
      intervalMs: 100,
      what: `the sink to release ${taskId}.duckdb`,
    });
  }
}
