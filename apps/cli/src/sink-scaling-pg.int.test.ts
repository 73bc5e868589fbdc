import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startPostgres, waitFor, type MariaDbServer, type PostgresServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { PostgresSession } from '@tidewater/postgres-sink';
import { Stage, type SinkPartitionView } from '@tidewater/proto';
import { startStack, type Stack } from './testing/stack.js';
import { startLocal, type LocalRun } from './local-run.js';
import { expectPgMergeEqualsSource } from './testing/compare-pg.js';
import { resetIncDatabase } from './testing/inc-tables.js';
import { RandomWriter } from './testing/writer.js';
import { appliedUpToNow } from './testing/applied.js';
import { addSinks, killSink, sinkPartitions, waitForOwners } from './testing/sinks.js';

// Horizontal scaling of sinks into PostgreSQL, under failure: three sinks share a task's eight
// partitions; one is killed mid-copy, another mid-stream, a fourth joins. Nothing is lost or
// written twice, and no partition is ever written by two sinks at once (P3, from the bookkeeping).
const PARTITIONS = 8;
/** docs/architecture.md, "Sink partitions": a dead sink's partitions move within 15 s + 5 s. */
const TAKEOVER_BOUND_S = 20;
let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let pg: PostgresServer;
let wh: PostgresSession;
let local: LocalRun | undefined;

beforeAll(async () => {
  stack = await startStack('tw-scale-');
  ({ db, source } = stack);
  pg = await startPostgres();
  const admin = await PostgresSession.open(pg.url);
  await admin.query('CREATE DATABASE scaled');
  await admin.close();
  const u = new URL(pg.url);
  u.pathname = '/scaled';
  wh = await PostgresSession.open(u.toString());
  await resetIncDatabase(source);
  // A longer copy (inc.acct: 30,000 rows in 60 chunks, paced) so that a sink dies in the middle of it.
  await source.query(
    `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_3001_to_30000`,
  );
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await wh?.close();
  await pg?.stop();
  await stack?.stop();
});

/** Waits until the partitions are owned by exactly `owners` live sinks, none of them in `gone`; returns the seconds it took from `since`. */
async function takeover(task: string, owners: number, gone: Set<string>, since: number): Promise<number> {
  await waitFor(
    async () => {
      const views = await sinkPartitions(local!, task);
      const held = new Set(views.map((v) => v.owner));
      return (
        views.length === PARTITIONS && !held.has('') && held.size === owners && ![...held].some((o) => gone.has(o))
      );
    },
    // The bound, with room for a loaded CI machine; the time measured is printed and checked below.
    {
      timeoutMs: TAKEOVER_BOUND_S * 3_000,
      intervalMs: 250,
      what: `${owners} sinks to own all ${PARTITIONS} partitions`,
    },
  );
  return (Date.now() - since) / 1000;
}

const owners = (views: SinkPartitionView[]) => new Set(views.map((v) => v.owner));

describe('three sinks into PostgreSQL, two killed and one added under a random writer', () => {
  it('merge equals the source, no duplicate, no partition written by two sinks, takeover within the documented time', async () => {
    local = await startLocal({ stateDir: join(stack.work, 'state'), incremental: true, sinks: 3 });
    const writer = new RandomWriter(source, 7331);
    const stopWriting = new AbortController();
    const writing = writer.run(1_000_000, stopWriting.signal);
    const u = new URL(pg.url);
    u.pathname = '/scaled';
    const created = await local.client.createTask(
      JSON.stringify({
        name: 'scaled',
        source: { host: db.host, port: db.port, user: db.user, password: db.password },
        destination: { type: 'postgres', url: u.toString() },
        migrationTypes: ['schema', 'full', 'incremental'],
        objects: [{ database: 'inc' }],
        full: { chunkRows: 500, batchRows: 250 },
        throttle: { full: { rps: 2_500 } },
      }),
    );
    const task = created.taskId;
    await local.client.precheckAndStart(task);
    const three = owners(await waitForOwners(local, task, { partitions: PARTITIONS, owners: 3 }));

    // Mid-copy: some chunks are committed, the copy is not done.
    await waitFor(
      async () => {
        const t = await local!.client.getTask(task);
        const done = t.tables.reduce((n, x) => n + Number(x.rowsDone), 0);
        return t.stage === Stage.STAGE_FULL && done >= 5_000;
      },
      { timeoutMs: 120_000, intervalMs: 200, what: 'the full copy to be under way' },
    );
    let t0 = Date.now();
    killSink(local, 'sink-1');
    // Which owner died: the one missing once the other two have taken everything.
    const firstTakeover = await waitFor(
      async () => {
        const views = await sinkPartitions(local!, task);
        const held = owners(views);
        return views.length === PARTITIONS && !held.has('') && held.size === 2 && [...held].every((o) => three.has(o))
          ? { secs: (Date.now() - t0) / 1000, dead: [...three].find((o) => !held.has(o))! }
          : undefined;
      },
      { timeoutMs: TAKEOVER_BOUND_S * 3_000, intervalMs: 250, what: 'two sinks to own all partitions mid-copy' },
    );
    expect(
      (await local.client.getTask(task)).stage,
      'the copy was still running when the sink died and its partitions moved',
    ).toBe(Stage.STAGE_FULL);

    await waitFor(async () => (await local!.client.getTask(task)).stage === Stage.STAGE_INCREMENTAL, {
      timeoutMs: 180_000,
      intervalMs: 250,
      what: 'the incremental stage',
    });
    const beforeSecond = owners(await sinkPartitions(local, task));
    t0 = Date.now();
    killSink(local, 'sink-2');
    const secondSecs = await takeover(task, 1, new Set([firstTakeover.dead]), t0);
    const survivor = [...owners(await sinkPartitions(local, task))][0]!;
    expect(beforeSecond.has(survivor)).toBe(true);

    // A fourth sink joins: it gets a fair share, without any moment of double ownership.
    addSinks(local, 1);
    const shared = await waitForOwners(local, task, { partitions: PARTITIONS, owners: 2 });
    const counts = [...owners(shared)].map((o) => shared.filter((v) => v.owner === o).length);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(3);

    stopWriting.abort();
    await writing;
    await appliedUpToNow(
      local.client,
      task,
      { host: db.host, port: db.port, user: db.user, password: db.password },
      180_000,
    );
    await expectPgMergeEqualsSource(source, wh);

    // P3 from the bookkeeping: each partition's writers, by epoch, wrote one after another.
    const writes = (await wh.query(
      `SELECT sink_partition, epoch, sink_id, first_at, last_at FROM _tidewater.partition_writes ORDER BY sink_partition, epoch`,
    )) as string[][];
    const byPartition = new Map<string, string[][]>();
    for (const w of writes) byPartition.set(w[0]!, [...(byPartition.get(w[0]!) ?? []), w]);
    expect(byPartition.size).toBe(PARTITIONS);
    for (const spans of byPartition.values())
      for (let i = 1; i < spans.length; i++)
        expect(Date.parse(spans[i]![3]!), `partition ${spans[i]![0]} epoch ${spans[i]![1]}`).toBeGreaterThan(
          Date.parse(spans[i - 1]![4]!),
        );
    // Four sink instances wrote, and the hot table's changes went through several partitions.
    expect(new Set(writes.map((w) => w[2])).size).toBeGreaterThanOrEqual(4);
    const spread = await wh.query(
      `SELECT count(DISTINCT sink_partition) FROM _tidewater.log_checkpoints WHERE table_name = 'acct_log'`,
    );
    expect(Number(spread[0]![0])).toBeGreaterThanOrEqual(3);

    console.log(
      `takeover after a SIGKILL: ${firstTakeover.secs.toFixed(1)} s mid-copy, ${secondSecs.toFixed(1)} s mid-stream`,
    );
    expect(Math.max(firstTakeover.secs, secondSecs)).toBeLessThanOrEqual(TAKEOVER_BOUND_S * 1.5);
  });
});
