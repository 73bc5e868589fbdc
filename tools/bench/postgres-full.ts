import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { CheckStatus, Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { loadSbtest } from './sbtest.js';
import { cpuOf } from './cpu.js';
import { SERVICES, serverCpu, spec, untilDone, type Local } from './postgres-run.js';

interface Round {
  psql: number;
  tidewater: number;
  completed: number;
  cpu: Record<string, number>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * (a) psql \copy from a file vs Tidewater full migration of the same rows into the same
 * PostgreSQL, `rounds` times alternating, each into fresh tables: psql's own time moves a lot
 * with the machine's load (1.6–2.9 s for 1M rows here), so one pair is no ratio to go by.
 */
export async function fullCopy(
  db: MariaDbServer,
  source: SourceClient,
  pgUrl: string,
  work: string,
  rows: number,
  rounds: number,
): Promise<string> {
  await loadSbtest(source, rows);
  const file = join(work, 'sbtest1.tsv');
  execFileSync(
    'sh',
    ['-c', `mariadb -h ${db.host} -P ${db.port} -u ${db.user} -N -B -e 'SELECT * FROM bench.sbtest1' > ${file}`],
    { env: { ...process.env, MYSQL_PWD: db.password } },
  );
  const psql = (sql: string) => execFileSync('psql', [pgUrl, '-q', '-c', sql]);
  const local = await startLocal({ stateDir: join(work, 'state-full'), incremental: false });
  const done: Round[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      psql('DROP TABLE IF EXISTS public.sbtest1');
      psql('CREATE TABLE public.sbtest1 (id int PRIMARY KEY, k int, c char(120), pad char(60))');
      const t0 = performance.now();
      psql(`\\copy public.sbtest1 FROM '${file}'`);
      const psqlSecs = (performance.now() - t0) / 1000;
      psql('DROP SCHEMA IF EXISTS bench CASCADE');
      const round = { psql: psqlSecs, ...(await tidewaterCopy(local, db, pgUrl, `bench-full-${i}`)) };
      console.log(`round ${i + 1}: psql \\copy ${psqlSecs.toFixed(2)} s, tidewater ${round.tidewater.toFixed(2)} s`);
      done.push(round);
    }
  } finally {
    await local.stop();
  }
  const rate = (s: number) => `${Math.round(rows / s).toLocaleString('en-US')} rows/s`;
  const [p, t, c] = [median(done.map((r) => r.psql)), median(done.map((r) => r.tidewater)), median(done.map((r) => r.completed))];
  const mid = done.find((r) => r.tidewater === t)!;
  const cpu = Object.entries(mid.cpu)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
  return (
    `Full copy of ${rows.toLocaleString('en-US')} rows of \`sbtest1\` (INT PK, INT, CHAR(120), CHAR(60)) into PostgreSQL 15, ${rounds} rounds alternating psql and Tidewater, each into fresh tables; medians.\n\n` +
    '| run | time (median) | rate | ratio (rate / psql rate) |\n|---|---|---|---|\n' +
    `| psql \`\\copy\` from a local file (baseline) | ${p.toFixed(2)} s | ${rate(p)} | 1.00× |\n` +
    `| Tidewater full migration (StartTask → every chunk committed; precheck before) | ${t.toFixed(2)} s | ${rate(t)} | **${(p / t).toFixed(2)}×** (target ≥ 0.5×) |\n` +
    `| the same, until the task shows completed | ${c.toFixed(2)} s | ${rate(c)} | ${(p / c).toFixed(2)}× |\n\n` +
    `Rounds (psql / Tidewater, s): ${done.map((r) => `${r.psql.toFixed(2)} / ${r.tidewater.toFixed(2)} (${(r.psql / r.tidewater).toFixed(2)}×)`).join('; ')}.\n\n` +
    `CPU-seconds during the median Tidewater copy: ${cpu} (servers: their processes started by the bench).\n`
  );
}

/** One Tidewater full migration of `bench` into PostgreSQL, timed from StartTask. */
async function tidewaterCopy(
  local: Local,
  db: MariaDbServer,
  pgUrl: string,
  name: string,
): Promise<Omit<Round, 'psql'>> {
  const created = await local.client.createTask(spec(name, db, pgUrl, 'bench', ['schema', 'full']));
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
  const completed = (Date.now() - t1) / 1000;
  // The copy is done when PostgreSQL committed every chunk (as psql's is when \copy returns);
  // the coordinator then marks the task completed, which `completed` shows.
  const after = { ...cpuOf(pids), ...serverCpu() };
  const cpu: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (k !== 'capture' && d > 0.005) cpu[k] = d;
  }
  return { tidewater: (chunksCommittedAt - t1) / 1000, completed, cpu };
}
