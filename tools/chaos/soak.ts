/**
 * Chaos soak (issue 14): a full+incremental task on `inc` under RandomWriter load for a bounded
 * time while a seeded fault loop SIGKILLs services and restarts NATS and MariaDB; then the
 * warehouse's `_merged` is compared with the source value by value and `_log` duplicates are
 * counted. Loopback only (testkit servers, a local run). Appends a section to bench/results.md.
 *
 *   node --import tsx tools/chaos/soak.ts [minutes=3] [seed=1]
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, waitFor } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { currentBinlogPosition } from '@tidewater/binlog';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { startLocal, type LocalRun } from '../../apps/cli/src/local-run.js';
import { RandomWriter } from '../../apps/cli/src/testing/writer.js';
import { INC_TABLES, resetIncDatabase } from '../../apps/cli/src/testing/inc-schema.js';
import { specText } from '../../apps/cli/src/testing/specs.js';
import type { ColumnKind } from '../../apps/cli/src/testing/compare.js';
import { machineLine } from '../bench/machine.js';
import { faultLoop, seededRandom } from './faults.js';
import { verifyTable } from './verify.js';
import { soakSection } from './report.js';

const [minutes = 3, seed = 1] = process.argv.slice(2).map(Number);
const SEED_ROWS = 20_000;
const resultsFile = join(process.cwd(), 'bench', 'results.md');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`chaos: ${line}`);

/** Writer errors within this long after MariaDB is back still count as "while the source was down" (reconnects). */
const DOWN_GRACE_MS = 3_000;

interface WriterStats {
  transactions: number;
  statements: number;
  errorsDown: number;
  errorsOther: number;
  sample: string;
}

/** Runs RandomWriter one transaction at a time until `until`, retrying past errors (counted) instead of stopping. */
async function writeUntil(source: SourceClient, until: number, isDown: () => boolean): Promise<WriterStats> {
  const stats: WriterStats = { transactions: 0, statements: 0, errorsDown: 0, errorsOther: 0, sample: '' };
  const counted = new Proxy(source, {
    get(target, p, receiver) {
      if (p !== 'query') return Reflect.get(target, p, receiver) as unknown;
      return async (sql: string) => {
        const r = await target.query(sql);
        if (!/^(BEGIN|COMMIT|ROLLBACK)$/.test(sql)) stats.statements++;
        return r;
      };
    },
  });
  const writer = new RandomWriter(counted, seed);
  while (Date.now() < until) {
    try {
      await writer.run(1);
      stats.transactions++;
    } catch (e) {
      if (isDown()) stats.errorsDown++;
      else {
        stats.errorsOther++;
        stats.sample ||= (e as Error).message.slice(0, 120);
      }
      await source.query('ROLLBACK').catch(() => undefined);
      await sleep(200);
    }
  }
  return stats;
}

/** Runs the ADD COLUMN once the source takes it (it may be down); the time it ran, in seconds since `started`. */
async function addColumnAt(ddl: SourceClient, at: number, started: number): Promise<number> {
  await sleep(Math.max(0, at - Date.now()));
  for (;;) {
    try {
      await ddl.query(`ALTER TABLE inc.acct ADD COLUMN tag VARCHAR(10) DEFAULT 'x'`);
      break;
    } catch (e) {
      // Ran, but the answer was lost to a restart: the column is there.
      if (/Duplicate column/i.test((e as Error).message)) break;
      await sleep(500);
    }
  }
  const t = (Date.now() - started) / 1000;
  log(`t=${t.toFixed(1)}s ALTER TABLE inc.acct ADD COLUMN tag`);
  return t;
}

/** Resumes the task whenever it pauses or fails, until `done()`; what it saw, for the report. */
async function watchTask(local: LocalRun, taskId: string, started: number, done: () => boolean): Promise<string[]> {
  const seen: string[] = [];
  while (!done()) {
    const t = await local.client.getTask(taskId).catch(() => undefined);
    if (t && (t.stage === Stage.STAGE_PAUSED || t.stage === Stage.STAGE_FAILED)) {
      const what = `t=${((Date.now() - started) / 1000).toFixed(0)}s ${Stage[t.stage]} ${t.errorCode}: ${t.errorMessage.slice(0, 160)}`;
      seen.push(what);
      log(what);
      await local.client.resumeTask(taskId).catch((e: unknown) => log(`resume refused: ${(e as Error).message}`));
    }
    await sleep(1_000);
  }
  return seen;
}

function reached(shown: string, file: string, pos: bigint): boolean {
  if (!shown) return false;
  const [f, p] = shown.split(' ')[0]!.split(':');
  return f! > file || (f === file && BigInt(p!) >= pos);
}

async function main(): Promise<void> {
  await using db = await startMariaDb();
  await using nats = await startNats();
  process.env.TIDEWATER_NATS_URL = nats.url;
  const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  const work = mkdtempSync(join(tmpdir(), 'tw-chaos-'));
  const warehouse = join(work, 'wh-chaos.duckdb');
  const source = await openSource(conn);
  // A second session: the ALTER must not land inside one of the writer's open transactions.
  const ddl = await openSource(conn);
  try {
    await resetIncDatabase(source);
    await source.query(
      `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_3001_to_${SEED_ROWS}`,
    );
    const local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    let stopped = false;
    let localStopped = false;
    try {
      const task = await local.client.createTask(
        specText('chaos', db, warehouse, {
          objects: [{ database: 'inc' }],
          full: { chunkRows: 1_000, batchRows: 500, parallelChunks: 2 },
        }),
      );
      await local.client.precheckAndStart(task.taskId);
      const started = Date.now();
      const until = started + minutes * 60_000;
      let down = false;
      let backAt = 0;
      const isDown = () => down || Date.now() - backAt < DOWN_GRACE_MS;
      let loadDone = false;
      const watching = watchTask(local, task.taskId, started, () => stopped);
      const [stats, faults, alteredAt] = await Promise.all([
        writeUntil(source, until, isDown).finally(() => (loadDone = true)),
        faultLoop({
          local,
          nats,
          db,
          rand: seededRandom(seed),
          started,
          until,
          sourceDown: (d) => {
            down = d;
            if (!d) backAt = Date.now();
          },
          log,
        }),
        addColumnAt(ddl, started + minutes * 30_000, started),
      ]);
      log(`load done (${loadDone}): ${stats.transactions} transactions, ${faults.length} faults; catching up`);
      const end = await currentBinlogPosition(conn);
      const t0 = performance.now();
      await waitFor(
        async () => {
          const t = await local.client.getTask(task.taskId);
          return t.stage === Stage.STAGE_INCREMENTAL && reached(t.position, end.file, end.pos) ? t : undefined;
        },
        { timeoutMs: 600_000, intervalMs: 200, what: `task to apply up to ${end.file}:${end.pos}` },
      );
      const catchUpSeconds = (performance.now() - t0) / 1000;
      stopped = true;
      const pauses = await watching;
      // The sink holds the DuckDB file while it runs.
      await local.stop();
      localStopped = true;

      const w = await waitFor(() => WarehouseSession.open(warehouse), {
        timeoutMs: 30_000,
        what: 'the warehouse to be released',
      });
      try {
        const acctCols: ColumnKind[] = [...INC_TABLES.acct!.cols, { name: 'tag', kind: 'text' }];
        const verdicts = [
          await verifyTable(source, w, 'inc', 'acct', acctCols, 1),
          await verifyTable(source, w, 'inc', 'pair', INC_TABLES.pair!.cols, 2),
        ];
        const section = soakSection(
          {
            machine: machineLine(),
            minutes,
            seed,
            seedRows: SEED_ROWS,
            faults,
            transactions: stats.transactions,
            statements: stats.statements,
            writerErrorsDown: stats.errorsDown,
            writerErrorsOther: stats.errorsOther,
            writerErrorSample: stats.sample,
            addColumnAt: alteredAt,
            pauses,
            catchUpSeconds,
            verdicts,
          },
          new Date(),
        );
        console.log(section);
        appendFileSync(resultsFile, section);
        log(`section appended to ${resultsFile}`);
      } finally {
        await w.close();
      }
    } finally {
      stopped = true;
      if (!localStopped) await local.stop();
    }
  } finally {
    await ddl.close();
    await source.close();
    if (!process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
