/**
 * Task-options benchmark (issue 6): in one run on one MariaDB, migrates the same N-row table
 * (a) plainly — the baseline, snapshot batches forwarded by transform as bytes —
 * (b) with name mapping + ETL (set, computed column): every row decoded and rebuilt in
 *     transform,
 * (c) with a row filter keeping half the rows (pushed into the source query),
 * (d) throttled to a rows/s limit,
 * and records each run's time as a ratio to (a), and (d)'s measured rate against its limit;
 * then (e) the change stream throttled to `incLimit` rows/s: `changes` inserts written at full
 * speed, timed from the first write until the task has applied them — in bench/results.md.
 *
 *   node --import tsx tools/bench/options.ts [rows] [limit] [changes] [incLimit]
 *   defaults: 500000 50000 200000 20000
 */
import { mkdtempSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, waitFor } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { currentBinlogPosition, positionToken } from '@tidewater/binlog';
import { Stage } from '@tidewater/proto';
import { startLocal, type LocalRun } from '../../apps/cli/src/local-run.js';
import { machineLine } from './machine.js';
import { loadSbtest } from './sbtest.js';

const n = Number(process.argv[2] ?? 500_000);
const limit = Number(process.argv[3] ?? 50_000);
const changes = Number(process.argv[4] ?? 200_000);
const incLimit = Number(process.argv[5] ?? 20_000);
const resultsFile = join(process.cwd(), 'bench', 'results.md');

async function timed(local: LocalRun, spec: string, taskId: string): Promise<{ secs: number; rows: number }> {
  await local.client.createTask(spec);
  await local.client.precheckAndStart(taskId);
  let began = 0;
  for (;;) {
    const t = await local.client.getTask(taskId);
    if (!began && t.stage === Stage.STAGE_FULL) began = performance.now();
    if (t.stage === Stage.STAGE_COMPLETED) return { secs: (performance.now() - began) / 1000, rows: Number(t.tables[0]!.rowsDone) };
    if (t.stage === Stage.STAGE_FAILED) throw new Error(`task ${taskId} failed: ${t.errorMessage}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes `n` inserts in 1,000-row transactions and times until the task has applied them. */
async function throttledChanges(local: LocalRun, source: SourceClient, conn: { host: string; port: number; user: string; password: string }, taskId: string, n: number): Promise<number> {
  await waitFor(async () => (await local.client.getTask(taskId)).stage === Stage.STAGE_INCREMENTAL, { timeoutMs: 60_000, what: 'incremental stage' });
  const began = performance.now();
  for (let s = 1; s <= n; s += 1_000) {
    await source.query(`INSERT INTO bench.inc SELECT seq, seq % 1000, LPAD(seq, 120, 'c'), LPAD(seq, 60, 'p') FROM bench.seq_${s}_to_${Math.min(s + 999, n)}`);
  }
  const end = await currentBinlogPosition(conn);
  await waitFor(async () => {
    const [file, pos] = (await local.client.getTask(taskId)).position.split(' ')[0]!.split(':');
    return positionToken(file!, BigInt(pos!)) >= end.token;
  }, { timeoutMs: 600_000, intervalMs: 20, what: 'the changes to be applied' });
  return (performance.now() - began) / 1000;
}

async function main(): Promise<void> {
  await using db = await startMariaDb();
  await using nats = await startNats();
  const work = mkdtempSync(join(tmpdir(), 'tw-bench-opt-'));
  try {
    const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
    await loadSbtest(source, n);
    await source.query('CREATE TABLE bench.inc (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL)');
    process.env.TIDEWATER_NATS_URL = nats.url;
    const local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    const runs: { name: string; secs: number; rows: number }[] = [];
    let incSecs = 0;
    try {
      const spec = (name: string, table: unknown, extra: Record<string, unknown> = {}) =>
        JSON.stringify({ name, source: { host: db.host, port: db.port, user: db.user, password: db.password }, destination: { type: 'duckdb', path: join(work, `${name}.duckdb`) }, objects: [{ database: 'bench', tables: [table] }], ...extra });
      // The first task warms the services (JIT, connections, DuckDB) and is not reported.
      const cases: [string, unknown, Record<string, unknown>?][] = [
        ['warm-up', 'sbtest1'],
        ['plain', 'sbtest1'],
        ['mapped-etl', { name: 'sbtest1', as: 'sb', columns: { k: 'k_value' }, etl: { set: { c: 'UPPER(c)' }, add: [{ name: 'k2', type: 'bigint', expr: 'k * 2 + id' }] } }],
        ['filtered', { name: 'sbtest1', filter: 'k % 2 = 0' }],
        ['throttled', 'sbtest1', { throttle: { full: { rps: limit } } }],
      ];
      for (const [name, table, extra] of cases) {
        const r = await timed(local, spec(name, table, extra), name);
        if (name !== 'warm-up') runs.push({ name, ...r });
        console.log(`${name}: ${r.rows} rows in ${r.secs.toFixed(2)} s`);
      }
      const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
      await local.client.createTask(JSON.stringify({
        name: 'inc-throttled', source: conn, destination: { type: 'duckdb', path: join(work, 'inc.duckdb') }, migrationTypes: ['schema', 'incremental'],
        objects: [{ database: 'bench', tables: ['inc'] }], throttle: { incremental: { rps: incLimit } },
      }));
      await local.client.precheckAndStart('inc-throttled');
      incSecs = await throttledChanges(local, source, conn, 'inc-throttled', changes);
      console.log(`incremental throttled: ${changes} changes in ${incSecs.toFixed(2)} s`);
    } finally {
      await local.stop();
      await source.close();
    }
    const base = runs[0]!;
    const line = (r: (typeof runs)[number], note: string) =>
      `| ${r.name} | ${r.rows.toLocaleString('en-US')} | ${r.secs.toFixed(2)} s | ${Math.round(r.rows / r.secs).toLocaleString('en-US')} rows/s | **${(r.secs / base.secs).toFixed(2)}×** | ${note} |`;
    const throttled = runs[3]!;
    appendFileSync(
      resultsFile,
      `\n## Task options — ${new Date().toISOString().slice(0, 16)}Z\n\nMachine: ${machineLine()}\n\n` +
        `Table: sysbench-like \`sbtest1\`, ${n.toLocaleString('en-US')} rows; full migration, each a separate task in one run on the same services; time from the full stage to completed.\n\n` +
        '| run | rows | time | rate | time / plain | what differs |\n|---|---|---|---|---|---|\n' +
        [
          line(runs[0]!, 'baseline: transform forwards snapshot batches as bytes'),
          line(runs[1]!, 'rename table + column, `UPPER(c)`, computed `k * 2 + id` (one more column): every row decoded, evaluated and re-encoded in transform'),
          line(runs[2]!, 'filter `k % 2 = 0` pushed into the source query (half the rows)'),
          line(throttled, `throttle.full.rps = ${limit.toLocaleString('en-US')}: measured ${(throttled.rows / throttled.secs / limit).toFixed(3)}× the limit`),
        ].join('\n') + '\n' +
        `\nChange stream with \`throttle.incremental.rps = ${incLimit.toLocaleString('en-US')}\`: ${changes.toLocaleString('en-US')} inserts written at full speed in 1,000-row transactions were applied in ${incSecs.toFixed(2)} s from the first write: ${Math.round(changes / incSecs).toLocaleString('en-US')} rows/s = **${(changes / incSecs / incLimit).toFixed(3)}× the limit**.\n`,
    );
    console.log(`results appended to ${resultsFile}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
