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
 * BENCH_FULL_ONLY=1 runs (a) alone and prints it without appending (for iterating on the copy).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, startPostgres, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { currentBinlogPosition, positionToken } from '@tidewater/binlog';
import { CheckStatus, Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { machineLine } from './machine.js';
import { loadSbtest } from './sbtest.js';
import { cpuOf } from './cpu.js';

const args = process.argv.slice(2);
const fullRows = Number(args[0] ?? 500_000);
const changes = Number(args[1] ?? 100_000);
const sinkCounts = (args[2] ?? '1,2,4').split(',').map(Number);
const resultsFile = join(process.cwd(), 'bench', 'results.md');
const SERVICES = ['coordinator', 'capture', 'snapshot', 'transform', 'sink', 'sink-1', 'sink-2', 'sink-3'];
const HOT_TABLES = 16;
const FULL_ONLY = process.env.BENCH_FULL_ONLY === '1';

type Local = Awaited<ReturnType<typeof startLocal>>;

/**
 * CPU-seconds of the servers this bench started (its descendants named mariadbd, nats-server,
 * postgres), by name, with their ended children (PostgreSQL backends): on 2 shared cores
 * their cost bounds the copy as much as the services'.
 */
function serverCpu(): Record<string, number> {
  const procs = readdirSync('/proc').flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ pid: Number(d), ppid: Number(f[1]), comm, secs: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100 }];
    } catch {
      return [];
    }
  });
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) grew = Boolean(mine.add(p.pid));
  }
  const out: Record<string, number> = {};
  for (const p of procs)
    if (mine.has(p.pid) && /^(mariadbd|nats-server|postgres)$/.test(p.comm)) out[p.comm] = (out[p.comm] ?? 0) + p.secs;
  return out;
}

function tokenOf(shown: string): string {
  const [file, pos] = shown.split(' ')[0]!.split(':');
  return positionToken(file!, BigInt(pos!));
}

/**
 * Resolves when the task reaches `stage`, watching it (WatchTask pushes each state change, as
 * `tidewater migrate` shows progress) rather than polling: polls would cost the coordinator
 * CPU on the same 2 cores as the pipeline, or add their interval to the measured time.
 * Returns when every planned chunk was first seen committed (Date.now(); the stage time if never).
 */
async function untilDone(local: Local, taskId: string, stage: Stage): Promise<{ chunksCommittedAt: number }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`task not ${Stage[stage]} within 900 s`)), 900_000);
  let committedAt: number | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      ac.signal.addEventListener('abort', () => (ac.signal.reason ? reject(ac.signal.reason) : resolve()));
      local.client
        .watchTask(
          taskId,
          (t) => {
            const planned = t.tables.length > 0 && t.tables.every((x) => x.chunksTotal > 0);
            if (planned && t.tables.every((x) => x.chunksDone >= x.chunksTotal)) committedAt ??= Date.now();
            if (t.stage === Stage.STAGE_FAILED) ac.abort(new Error(`task failed: ${t.errorMessage}`));
            else if (t.stage === stage) ac.abort(null);
          },
          ac.signal,
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
  }
  return { chunksCommittedAt: committedAt ?? Date.now() };
}

function spec(name: string, db: MariaDbServer, pgUrl: string, database: string, types: string[]): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'postgres', url: pgUrl },
    migrationTypes: types,
    objects: [{ database }],
  });
}

/** (a) psql \copy from a file vs Tidewater full migration, same rows, same PostgreSQL. */
async function fullCopy(db: MariaDbServer, source: SourceClient, pgUrl: string, work: string): Promise<string> {
  await loadSbtest(source, fullRows);
  const file = join(work, 'sbtest1.tsv');
  execFileSync(
    'sh',
    ['-c', `mariadb -h ${db.host} -P ${db.port} -u ${db.user} -N -B -e 'SELECT * FROM bench.sbtest1' > ${file}`],
    { env: { ...process.env, MYSQL_PWD: db.password } },
  );
  execFileSync('psql', [pgUrl, '-q', '-c', 'CREATE TABLE public.sbtest1 (id int PRIMARY KEY, k int, c char(120), pad char(60))']);
  const t0 = performance.now();
  execFileSync('psql', [pgUrl, '-q', '-c', `\\copy public.sbtest1 FROM '${file}'`]);
  const psqlSecs = (performance.now() - t0) / 1000;
  console.log(`psql \\copy: ${psqlSecs.toFixed(2)} s`);
  const local = await startLocal({ stateDir: join(work, 'state-full'), incremental: false });
  let twSecs = 0;
  let completedSecs = 0;
  let fullCpu = '';
  try {
    const created = await local.client.createTask(spec('bench-full', db, pgUrl, 'bench', ['schema', 'full']));
    // The precheck is a step before the task runs, as the CREATE TABLE is before psql's copy.
    const { passed, items } = await local.client.runPrecheck(created.taskId);
    if (!passed) throw new Error(`precheck failed: ${JSON.stringify(items)}`);
    const pids = Object.fromEntries(SERVICES.map((s) => [s, local.supervisor.pid(s)]));
    const before = { ...cpuOf(pids), ...serverCpu() };
    const t1 = Date.now();
    await local.client.startTask(
      created.taskId,
      items.filter((i) => i.status === CheckStatus.CHECK_STATUS_WARNING).map((i) => i.name),
    );
    const { chunksCommittedAt } = await untilDone(local, created.taskId, Stage.STAGE_COMPLETED);
    completedSecs = (Date.now() - t1) / 1000;
    // The copy is done when PostgreSQL committed every chunk (as psql's is when \copy returns);
    // the coordinator then marks the task completed, which the second time shows.
    twSecs = (chunksCommittedAt - t1) / 1000;
    const after = { ...cpuOf(pids), ...serverCpu() };
    fullCpu = Object.entries(after)
      .filter(([k]) => k !== 'capture' && (after[k] ?? 0) - (before[k] ?? 0) > 0.005)
      .map(([k, v]) => `${k} ${(v - (before[k] ?? 0)).toFixed(2)}`)
      .join(', ');
  } finally {
    await local.stop();
  }
  console.log(`tidewater: ${twSecs.toFixed(2)} s`);
  const rate = (s: number) => `${Math.round(fullRows / s).toLocaleString('en-US')} rows/s`;
  return (
    `Full copy of ${fullRows.toLocaleString('en-US')} rows of \`sbtest1\` (INT PK, INT, CHAR(120), CHAR(60)) into PostgreSQL 15.\n\n` +
    '| run | time | rate | ratio (rate / psql rate) |\n|---|---|---|---|\n' +
    `| psql \`\\copy\` from a local file (baseline) | ${psqlSecs.toFixed(2)} s | ${rate(psqlSecs)} | 1.00× |\n` +
    `| Tidewater full migration (StartTask → every chunk committed; precheck before) | ${twSecs.toFixed(2)} s | ${rate(twSecs)} | **${(psqlSecs / twSecs).toFixed(2)}×** (target ≥ 0.5×) |\n` +
    `| the same, until the task shows completed | ${completedSecs.toFixed(2)} s | ${rate(completedSecs)} | ${(psqlSecs / completedSecs).toFixed(2)}× |\n\n` +
    `CPU-seconds of the Tidewater services during the copy: ${fullCpu} (servers: their processes started by the bench).\n`
  );
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
    const full = await fullCopy(db, source, pg.url, work);
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
