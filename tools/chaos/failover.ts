import { errorCodeOf } from '@tidewater/errors';
import { Stage } from '@tidewater/proto';
import type { MariaDbServer } from '@tidewater/testkit';
import type { LocalRun } from '../../apps/cli/src/local-run.js';
import type { SoakSource } from './source-side.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resumes the task whenever it pauses or fails, until `done()`, except while `held()` (the
 * failover pauses it on purpose); what it saw, for the report.
 */
export async function watchTask(
  local: LocalRun,
  taskId: string,
  started: number,
  done: () => boolean,
  held: () => boolean,
  log: (line: string) => void,
): Promise<string[]> {
  const seen: string[] = [];
  while (!done()) {
    const t = held() ? undefined : await local.client.getTask(taskId).catch(() => undefined);
    if (t && !held() && (t.stage === Stage.STAGE_PAUSED || t.stage === Stage.STAGE_FAILED)) {
      const what = `t=${((Date.now() - started) / 1000).toFixed(0)}s ${Stage[t.stage]} ${t.errorCode}: ${t.errorMessage.slice(0, 160)}`;
      seen.push(what);
      log(what);
      await local.client.resumeTask(taskId).catch((e: unknown) => log(`resume refused: ${(e as Error).message}`));
    }
    await sleep(1_000);
  }
  return seen;
}

/**
 * A control call during the failover, retried while the bus is away (a NATS restart or a
 * coordinator SIGKILL just before it), as an operator would; other errors end the soak.
 * `settled` decides, after an error, whether the call took effect anyway (its answer lost).
 */
async function control<T>(
  what: string,
  call: () => Promise<T>,
  settled?: () => Promise<boolean>,
): Promise<T | undefined> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await call();
    } catch (e) {
      if (await settled?.().catch(() => false)) return undefined;
      if (errorCodeOf(e) !== 'TW_BUS_UNAVAILABLE' || Date.now() > deadline)
        throw new Error(`failover: ${what} failed: ${(e as Error).message}`, { cause: e });
      await sleep(1_000);
    }
  }
}

export interface FailoverSteps {
  readonly local: LocalRun;
  readonly taskId: string;
  readonly source: SoakSource;
  readonly primary: MariaDbServer;
  /** The task's spec reading `server` (only the source differs). */
  readonly spec: (server: MariaDbServer) => string;
  /** Holds the watcher off while the task is paused on purpose. */
  readonly hold: (on: boolean) => void;
}

/**
 * The failover of source-failover.int.test.ts (F1), under load: with the writer held, the
 * replica catches up, the primary shuts down and stays down, the task is paused and pointed at
 * the promoted replica, the writer moves there, and the task resumes (by GTID, epoch 1).
 */
export async function failOver(s: FailoverSteps): Promise<string> {
  return s.source.exclusive(async () => {
    await s.source.replica.waitCaughtUp(300_000);
    await s.primary.halt!('graceful');
    s.hold(true);
    try {
      const { client } = s.local;
      const stage = async () => (await client.getTask(s.taskId)).stage;
      const stopped = (x: Stage) => x === Stage.STAGE_PAUSED || x === Stage.STAGE_FAILED;
      // Refused when a fault has just paused or failed it: it is stopped all the same.
      await control(
        'pausing the task',
        () => client.pauseTask(s.taskId),
        async () => stopped(await stage()),
      );
      await s.source.replica.promote(300_000);
      const spec = s.spec(s.source.replica);
      // Idempotent: a repeat after a lost answer changes nothing more.
      const updated = await control('pointing the task at the replica', () => client.updateTask(s.taskId, spec));
      await s.source.switchToReplica();
      await control(
        'resuming the task',
        () => client.resumeTask(s.taskId),
        async () => (await stage()) === Stage.STAGE_INCREMENTAL,
      );
      return `to the replica on port ${s.source.replica.port} (changed ${updated?.changed.join(', ') || 'nothing more'})`;
    } finally {
      s.hold(false);
    }
  });
}
