import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceClient } from '@tidewater/mysql-source';
import { Stage, type TaskView } from '@tidewater/proto';
import { LocalTasks } from './testing/local-tasks.js';
import { untilTask } from './testing/task-waits.js';

// DDL while a table's full copy runs (unsupported, as in DTS): the task fails naming the table,
// the change and the fix, instead of copying rows of another shape into _base (an added
// column) or retrying a read that cannot succeed (a dropped one).

let tasks: LocalTasks;
let source: SourceClient;

beforeAll(async () => {
  tasks = await LocalTasks.start('tw-ddl-full-');
  ({ source } = tasks.stack);
}, 120_000);

afterAll(() => tasks?.stop());

const ROWS = 6_000;

/** A full-only task over `db.t`, slowed so that the copy takes seconds: chunks of 300 rows at 1,500 rows/s. */
async function slowCopy(db: string): Promise<TaskView> {
  await source.query(`CREATE DATABASE ${db}`);
  await source.query(`CREATE TABLE ${db}.t (id INT PRIMARY KEY, v VARCHAR(20), n INT)`);
  await source.query(`INSERT INTO ${db}.t SELECT seq, CONCAT('v', seq), seq FROM ${db}.seq_1_to_${ROWS}`);
  const task = await tasks.start(
    tasks.spec(db, {
      objects: [{ database: db }],
      migrationTypes: ['schema', 'full'],
      full: { chunkRows: 300, batchRows: 100, parallelChunks: 1 },
      throttle: { full: { rps: 1_500 } },
    }),
  );
  // Mid-copy: some chunks are committed, most are not.
  const mid = await untilTask(tasks.local.client, task.taskId, (t) => (t.tables[0]?.rowsDone ?? 0n) > 0n, {
    timeoutMs: 60_000,
    intervalMs: 50,
    what: `${db}: the first chunk committed`,
  });
  expect(mid.stage).toBe(Stage.STAGE_FULL);
  return mid;
}

async function failure(taskId: string): Promise<TaskView> {
  return untilTask(
    tasks.local.client,
    taskId,
    (t) => t.stage === Stage.STAGE_FAILED || t.stage === Stage.STAGE_COMPLETED,
    { timeoutMs: 90_000, intervalMs: 100, what: `task ${taskId} to end` },
  );
}

describe('DDL during the full copy', () => {
  it('ADD COLUMN mid-copy fails the task naming the table, the column and the fix', async () => {
    const task = await slowCopy('ddladd');
    await source.query(`ALTER TABLE ddladd.t ADD COLUMN tag VARCHAR(10) DEFAULT 'x'`);
    const end = await failure(task.taskId);
    expect(end.stage).toBe(Stage.STAGE_FAILED);
    expect(end.errorCode).toBe('TW_DDL_DURING_FULL');
    expect(end.errorMessage).toContain(
      'table ddladd.t changed while its full copy ran (columns added: tag varchar(10))',
    );
    expect(end.tables[0]!.rowsDone).toBeLessThan(BigInt(ROWS));
  });

  it('DROP COLUMN mid-copy fails the task at once instead of retrying the read', async () => {
    const task = await slowCopy('ddldrop');
    await source.query('ALTER TABLE ddldrop.t DROP COLUMN n');
    const end = await failure(task.taskId);
    expect(end.stage).toBe(Stage.STAGE_FAILED);
    expect(end.errorCode).toBe('TW_DDL_DURING_FULL');
    expect(end.errorMessage).toContain('table ddldrop.t changed while its full copy ran (columns dropped: n)');
  });

  it('MODIFY COLUMN to another type mid-copy fails it too', async () => {
    const task = await slowCopy('ddltype');
    await source.query('ALTER TABLE ddltype.t MODIFY COLUMN v VARCHAR(40)');
    const end = await failure(task.taskId);
    expect(end.errorCode).toBe('TW_DDL_DURING_FULL');
    expect(end.errorMessage).toContain('columns retyped: v: varchar(20) → varchar(40)');
  });
});
