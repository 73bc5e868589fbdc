/**
 * PostgreSQL destination benchmark (issue 12). In one run, on one machine:
 *  (a) full copy: `psql \copy` of a sysbench-like table's rows from a local file (psql's text
 *      format, as the MariaDB client prints them) vs a Tidewater full migration of the same
 *      table into PostgreSQL (snapshot → NATS → transform → NATS → sink → COPY);
 *  (b) change stream into PostgreSQL with 1, 2 and 4 sink processes, on a many-table workload
 *      (changes spread over 16 tables) and a one-hot-table workload, timed from the first write
 *      until the task's applied position reaches the binlog end, with CPU-seconds per 100k rows
 *      per service so scaling beyond this machine can be projected.
 * Results are appended to bench/results.md.
 *
 *   node --import tsx tools/bench/postgres.ts [fullRows=500000] [changes=100000] [sinks=1,2,4]
 *
 * BENCH_FULL_ONLY=1 runs (a) alone and prints it without appending (for iterating on the copy);
 * BENCH_ROUNDS=N sets how many times (a) alternates psql and Tidewater (default 3, medians reported).
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, startPostgres, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { currentBinlogPosition, positionToken } from '@tidewater/binlog';
import { Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { machineLine } from './machine.js';
import { cpuOf } from './cpu.js';
import { SERVICES, spec, untilDone } from './postgres-run.js';
import { fullCopy } from './postgres-full.js';

const args = process.argv.slice(2);
const fullRows = Number(args[0] ?? 500_000);
const changes = Number(args[1] ?? 100_000);
const sinkCounts = (args[2] ?? '1,2,4').split(',').map(Number);
const resultsFile = join(process.cwd(), 'bench', 'results.md');
const HOT_TABLES = 16;
const FULL_ONLY = process.env.BENCH_FULL_ONLY === '1';
/** Full-copy rounds, psql and Tidewater alternating: the medians are reported (the machine is noisy). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function tokenOf(shown: string): string {
  const [file, pos] = shown.split(' ')[0]!.split(':');
  return positionToken(file!, BigInt(pos!));
}

/**
 * Writes `n` row changes (half inserts, half updates) over `tables` tables in 1,000-row
 * transactions, on the keys `base` … (a second call with another base touches other rows).
 */
async function writeChanges(source: SourceClient, database: string, tables: number, n: number, base: number): Promise<void> {
  const perTable = Math.ceil(n / 2 / tables);
  const last = base + perTable - 1;
  for (let from = base; from <= last; from += 1_000) {
    const to = Math.min(last, from + 999);
    for (let t = 0; t < tables; t++)
      await source.query(
        `INSERT INTO ${database}.t${t} SELECT seq, seq % 1000, LPAD(seq, 120, 'c') FROM ${database}.seq_${from}_to_${to}`,
      );
  }
  for (let from = base; from <= last; from += 1_000)
    for (let t = 0; t < tables; t++)
      await source.query(`UPDATE ${database}.t${t} SET k = k + 1 WHERE id BETWEEN ${from} AND ${Math.min(last, from + 999)}`);
}

interface StreamRun {
  readonly workload: string;
  readonly sinks: number;
  readonly secs: number;
  readonly cpu: Record<string, number>;
}

async function stream(db: MariaDbServer, source: SourceClient, pgUrl: string, work: string, sinks: number, tables: number): Promise<StreamRun> {
  const workload = tables === 1 ? 'one hot table' : `${tables} tables`;
  const database = `inc_${tables}_${sinks}`;
  await source.query(`CREATE DATABASE ${database}`);
  for (let t = 0; t < tables; t++)
    await source.query(`CREATE TABLE ${database}.t${t} (id INT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL)`);
  const local = await startLocal({ stateDir: join(work, `state-${database}`), incremental: true, sinks });
  try {
    const created = await local.client.createTask(spec(`bench-${database}`, db, pgUrl, database, ['schema', 'incremental']));
    await local.client.precheckAndStart(created.taskId);
    await untilDone(local, created.taskId, Stage.STAGE_INCREMENTAL);
    // Measure the steady state: every partition owned, shared by all the sinks (no hand-over under way).
    await waitFor(
      async () => {
        const views = (await local.client.getTask(created.taskId)).sinkPartitions;
        const owners = new Set(views.map((v) => v.owner));
        return views.length > 0 && !owners.has('') && owners.size === Math.min(sinks, views.length);
      },
      { timeoutMs: 120_000, intervalMs: 250, what: `${sinks} sinks sharing the partitions` },
    );
    const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
    const caughtUp = async (what: string) => {
      const end = (await currentBinlogPosition(conn)).token;
      await waitFor(
        async () => {
          const t = await local.client.getTask(created.taskId);
          return t.position !== '' && tokenOf(t.position) >= end;
        },
        { timeoutMs: 900_000, intervalMs: 20, what },
      );
    };
    // Warm-up: a fresh process runs cold code (V8 compiles hot paths as they run); without it
    // each extra sink process would add its own warm-up to a short measurement.
    await writeChanges(source, database, tables, Math.ceil(changes / 4), 5_000_001);
    await caughtUp(`${workload} with ${sinks} sinks warmed up`);
    const pids = Object.fromEntries(SERVICES.map((s) => [s, local.supervisor.pid(s)]));
    const before = cpuOf(pids);
    const t0 = performance.now();
    await writeChanges(source, database, tables, changes, 1);
    await caughtUp(`${workload} with ${sinks} sinks caught up`);
    const secs = (performance.now() - t0) / 1000;
    const after = cpuOf(pids);
    const cpu: Record<string, number> = {};
    // Sink processes add up: the question is what the sink work costs, however it is split.
    for (const [k, v] of Object.entries(after)) {
      const name = k.startsWith('sink') ? 'sink (all)' : k;
      cpu[name] = (cpu[name] ?? 0) + v - (before[k] ?? 0);
    }
    console.log(`${workload}, ${sinks} sinks: ${secs.toFixed(2)} s`, cpu);
    return { workload, sinks, secs, cpu };
  } finally {
    await local.stop();
  }
}

async function main(): Promise<void> {
  await using db = await startMariaDb();
  await using nats = await startNats();
  await using pg = await startPostgres();
  process.env.TIDEWATER_NATS_URL = nats.url;
  const work = mkdtempSync(join(tmpdir(), 'tw-bench-pg-'));
  const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    const full = await fullCopy(db, source, pg.url, work, fullRows, ROUNDS);
    if (FULL_ONLY) {
      console.log(full);
      return;
    }
    const runs: StreamRun[] = [];
    for (const tables of [HOT_TABLES, 1]) for (const s of sinkCounts) runs.push(await stream(db, source, pg.url, work, s, tables));
    const per100k = (cpu: number) => (cpu / (changes / 100_000)).toFixed(2);
    const services = ['capture', 'transform', 'sink (all)', 'coordinator'];
    const table =
      `| workload | sinks | time | rows/s | vs 1 sink | ${services.map((s) => `${s} CPU-s / 100k`).join(' | ')} |\n|---|---|---|---|---|${services.map(() => '---').join('|')}|\n` +
      runs
        .map((r) => {
          const one = runs.find((x) => x.workload === r.workload && x.sinks === sinkCounts[0])!;
          return `| ${r.workload} | ${r.sinks} | ${r.secs.toFixed(2)} s | ${Math.round(changes / r.secs).toLocaleString('en-US')} | **${(one.secs / r.secs).toFixed(2)}×** | ${services.map((s) => per100k(r.cpu[s] ?? 0)).join(' | ')} |`;
        })
        .join('\n');
    appendFileSync(
      resultsFile,
      `\n## PostgreSQL destination — ${new Date().toISOString().slice(0, 16)}Z\n\nMachine: ${machineLine()}, PostgreSQL 15 on the same machine\n\n${full}\n` +
        `Change stream: ${changes.toLocaleString('en-US')} row changes (half INSERTs, half UPDATEs, 1,000-row transactions) into PostgreSQL, from the first write until the applied position reached the binlog end, after a warm-up burst of a quarter as many. ` +
        'MariaDB, NATS, PostgreSQL and every service share the same 2 cores, so the wall-clock gain of more sinks is bounded here; the CPU-seconds per 100k rows per service are what to project from.\n\n' +
        table + '\n',
    );
    console.log(`results appended to ${resultsFile}`);
  } finally {
    await source.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
