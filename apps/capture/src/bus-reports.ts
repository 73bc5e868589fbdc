import { Progress, type BinlogPosition, type TableRef } from '@tidewater/proto';
import { messageIds, publishProgress, type Bus } from '@tidewater/bus';
import { TidewaterError, isTidewaterError } from '@tidewater/errors';

/** A bus operation's failure as TW_BUS_UNAVAILABLE: retried within retry.connectionMinutes, like a lost source. */
export async function onBus<T>(doing: string, op: Promise<T>): Promise<T> {
  try {
    return await op;
  } catch (e) {
    if (isTidewaterError(e)) throw e;
    throw new TidewaterError(
      'TW_BUS_UNAVAILABLE',
      `${doing} failed: ${(e as Error).message}`,
      { fix: 'check that NATS runs with JetStream; capture resumes from its last checkpoint' },
      { cause: e },
    );
  }
}

/** The source is idle at `pos`: the coordinator reads lag 0 once the destination has applied it. */
export async function reportCaughtUp(bus: Bus, taskId: string, pos: BinlogPosition): Promise<void> {
  await onBus(
    'reporting progress',
    publishProgress(
      bus,
      Progress.fromPartial({
        taskId,
        unit: { $case: 'caughtUp', value: pos },
        committedAtMs: BigInt(Date.now()),
        sourceTimeMs: BigInt(Date.now()),
      }),
    ),
  );
}

/** A DDL capture cannot follow: the coordinator pauses the task with `reason`. */
export async function reportUnsupportedDdl(
  bus: Bus,
  taskId: string,
  revision: number,
  ddl: { target: TableRef; statement: string; reason: string; pos: BinlogPosition; timestamp: number },
): Promise<void> {
  const { target, statement, reason, pos, timestamp } = ddl;
  await onBus(
    'reporting progress',
    publishProgress(
      bus,
      Progress.fromPartial({
        taskId,
        table: target,
        unit: {
          $case: 'unsupportedDdl',
          value: { table: target, statement, addedColumns: [], newSchema: undefined, reason },
        },
        committedAtMs: BigInt(Date.now()),
        sourceTimeMs: BigInt(timestamp) * 1000n,
      }),
      // Per capture run (messageIds.unsupportedDdl says why).
      messageIds.unsupportedDdl(pos.token, revision),
    ),
  );
}
