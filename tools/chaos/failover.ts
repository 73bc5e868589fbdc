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
      await s.local.client.pauseTask(s.taskId).catch(async (e: unknown) => {
        // Refused because a fault has just paused or failed it: it is stopped all the same.
        const t = await s.local.client.getTask(s.taskId);
        if (t.stage !== Stage.STAGE_PAUSED && t.stage !== Stage.STAGE_FAILED) throw e;
      });
      await s.source.replica.promote(300_000);
      const { changed } = await s.local.client.updateTask(s.taskId, s.spec(s.source.replica));
      await s.source.switchToReplica();
      const resumed = await s.local.client.resumeTask(s.taskId);
      return `to the replica on port ${s.source.replica.port} (task ${Stage[resumed.stage]}; changed ${changed.join(', ')})`;
    } finally {
      s.hold(false);
    }
  });
}
