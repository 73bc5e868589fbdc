/**
 * Incremental benchmark (issue 4). In one run, on one machine:
 *  (a) the binlog reader alone (libs/binlog: @vlasky/zongji + canonical decode) reading N
 *      row changes already in the binlog — the ceiling the pipeline is compared against;
 *  (b) end to end: the same N changes written at full speed into a table of a running
 *      full+incremental task, timed from the first write until the task's applied position
 *      reaches the binlog end (capture → NATS → transform → NATS → sink → DuckDB → coordinator);
 *  (c) lag at a fixed rate: changes written in ticks of 100 ms; each tick's lag is the time
 *      from its commit until the task reports an applied position at or past it.
 * Results are appended to bench/results.md.
 *
 *   node --import tsx tools/bench/incremental.ts [changes=200000] [rate=5000] [seconds=20]
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, waitFor } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { createBinlogReader, currentBinlogPosition, positionToken } from '@tidewater/binlog';
import { Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { machineLine } from './machine.js';

const [changes = 200_000, rate = 5_000, seconds = 20] = process.argv.slice(2).map(Number);
const resultsFile = join(process.cwd(), 'bench', 'results.md');

function tokenOf(shown: string): string {
  const [file, pos] = shown.split(' ')[0]!.split(':');
  return positionToken(file!, BigInt(pos!));
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function main(): Promise<void> {
  await using db = await startMariaDb();
  await using nats = await startNats();
  const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  const work = mkdtempSync(join(tmpdir(), 'tw-bench-inc-'));
  const source = await openSource(conn);
  try {
    await source.query('CREATE DATABASE bench');
    const ddl = (t: string) => `CREATE TABLE bench.${t} (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL)`;
    await source.query(ddl('sbtest1'));
    await source.query(ddl('raw'));
    const insertRows = async (table: string, from: number, n: number) => {
      for (let s = from; s < from + n; s += 1_000) {
        await source.query(`INSERT INTO bench.${table} SELECT seq, seq % 1000, LPAD(seq, 120, 'c'), LPAD(seq, 60, 'p') FROM bench.seq_${s}_to_${Math.min(s + 999, from + n - 1)}`);
      }
    };
    await insertRows('sbtest1', 1, 10_000);

    // (a) the reader alone over N changes already in the binlog.
    const [rawSchema] = await source.readSchemas([{ database: 'bench', tables: ['raw'] }]);
    const p0 = await currentBinlogPosition(conn);
    await insertRows('raw', 1, changes);
    const p1 = await currentBinlogPosition(conn);
    let seen = 0;
    const reader = createBinlogReader(conn, { serverId: 9001 });
    const t0 = performance.now();
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await reader.start({ kind: 'position', from: p0, server: p0.server }, [rawSchema!], {
      onRows: (e) => void (seen += e.rows.length),
      onCommit: (p) => {
        if (p.token >= p1.token) done();
      },
      onDdl: () => undefined,
      onError: (e) => {
        throw e;
      },
    });
    await finished;
    const readerSecs = (performance.now() - t0) / 1000;
    await reader.stop();
    console.log(`reader: ${seen} rows in ${readerSecs.toFixed(2)} s`);

    // (b) end to end at full speed.
    process.env.TIDEWATER_NATS_URL = nats.url;
    const local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    let e2eSecs = 0;
    const lags: number[] = [];
    let achievedRate = 0;
    try {
      const spec = JSON.stringify({
        name: 'bench-inc',
        source: conn,
        destination: { type: 'duckdb', path: join(work, 'wh-bench.duckdb') },
        migrationTypes: ['schema', 'full', 'incremental'],
        objects: [{ database: 'bench', tables: ['sbtest1'] }],
      });
      const task = await local.client.createTask(spec);
      await local.client.precheckAndStart(task.taskId);
      await waitFor(async () => (await local.client.getTask(task.taskId)).stage === Stage.STAGE_INCREMENTAL, { timeoutMs: 120_000, what: 'incremental stage' });
      const reached = async (token: string) => {
        const t = await local.client.getTask(task.taskId);
        return t.position !== '' && tokenOf(t.position) >= token;
      };
      const t1 = performance.now();
      await insertRows('sbtest1', 100_001, changes);
      const end = await currentBinlogPosition(conn);
      await waitFor(() => reached(end.token), { timeoutMs: 600_000, intervalMs: 20, what: 'end to end catch-up' });
      e2eSecs = (performance.now() - t1) / 1000;
      console.log(`end to end: ${changes} rows in ${e2eSecs.toFixed(2)} s`);

      // (c) lag at a fixed rate: one multi-row INSERT per 100 ms tick.
      const perTick = Math.max(1, Math.round(rate / 10));
      const pending: { token: string; at: number }[] = [];
      let next = 1_000_001;
      const stopAt = performance.now() + seconds * 1000;
      const poller = (async () => {
        while (performance.now() < stopAt + 10_000 && (pending.length || performance.now() < stopAt)) {
          const t = await local.client.getTask(task.taskId);
          const now = performance.now();
          if (t.position) {
            const tok = tokenOf(t.position);
            while (pending.length && pending[0]!.token <= tok) lags.push(now - pending.shift()!.at);
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      let written = 0;
      const startTicks = performance.now();
      for (let tick = 0; performance.now() < stopAt; tick++) {
        const due = startTicks + tick * 100;
        if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
        await source.query(`INSERT INTO bench.sbtest1 SELECT seq, seq % 1000, LPAD(seq, 120, 'c'), LPAD(seq, 60, 'p') FROM bench.seq_${next}_to_${next + perTick - 1}`);
        next += perTick;
        written += perTick;
        const at = performance.now();
        pending.push({ token: (await currentBinlogPosition(conn)).token, at });
      }
      achievedRate = written / ((performance.now() - startTicks) / 1000);
      await poller;
    } finally {
      await local.stop();
    }
    const p50 = percentile(lags, 50);
    const p99 = percentile(lags, 99);
    console.log(`lag p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${lags.length} ticks at ${achievedRate.toFixed(0)} rows/s`);
    if (!existsSync(resultsFile)) writeFileSync(resultsFile, '# Benchmark results\n');
    const readerRate = seen / readerSecs;
    const e2eRate = changes / e2eSecs;
    appendFileSync(
      resultsFile,
      `\n## Incremental — ${new Date().toISOString().slice(0, 16)}Z\n\nMachine: ${machineLine()}\n\n` +
        `Changes: ${changes.toLocaleString('en-US')} row inserts into a sysbench-like table (INT PK, INT, CHAR(120), CHAR(60)) in 1,000-row transactions.\n\n` +
        '| measure | figure |\n|---|---|\n' +
        `| (a) binlog reader alone (zongji + canonical decode) | ${Math.round(readerRate).toLocaleString('en-US')} rows/s |\n` +
        `| (b) end to end at full write speed (write start → applied position caught up) | ${Math.round(e2eRate).toLocaleString('en-US')} rows/s |\n` +
        `| ratio (b)/(a) | **${(e2eRate / readerRate).toFixed(2)}×** (target ≥ 0.5×; (b) includes MariaDB executing the writes on the same 2 cores) |\n` +
        `| (c) lag at a fixed ${achievedRate.toFixed(0)} rows/s (${lags.length} ticks of 100 ms) | p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms |\n`,
    );
    console.log(`results appended to ${resultsFile}`);
  } finally {
    await source.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
