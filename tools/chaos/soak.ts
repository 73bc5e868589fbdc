/**
 * Chaos soak (issue 14): a full+incremental task on `inc` under RandomWriter load for a bounded
 * time while a seeded fault loop SIGKILLs services, restarts NATS and MariaDB, and once fails
 * over to a GTID replica (F1); then the warehouse's `_merged` is compared with the source (the
 * promoted replica) value by value and `_log` duplicates are counted. Loopback only (testkit
 * servers, a local run). `runSoak` returns the figures; the command line also appends a
 * section to bench/results.md.
 *
 *   node --import tsx tools/chaos/soak.ts [minutes=3] [seed=1] [transactions per second, default unpaced]
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startMariaDb, startMariaDbReplica, startNats, waitFor } from '@tidewater/testkit';
import { currentBinlogPosition } from '@tidewater/binlog';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { INC_TABLES, resetIncDatabase } from '../../apps/cli/src/testing/inc-schema.js';
import { specText } from '../../apps/cli/src/testing/specs.js';
import { positionReached } from '../../apps/cli/src/testing/applied.js';
import type { ColumnKind } from '../../apps/cli/src/testing/compare.js';
import { machineLine } from '../bench/machine.js';
import { faultLoop, REPORTED_KINDS, seededRandom, type FaultKind } from './faults.js';
import { failOver, watchTask } from './failover.js';
import { addColumnAt, writeUntil } from './load.js';
import { connOf, SoakSource } from './source-side.js';
import { verifyTable } from './verify.js';
import { soakSection, type SoakFigures } from './report.js';

const SEED_ROWS = 20_000;

/** Writer errors within this long after MariaDB is back still count as "while the source was down" (reconnects). */
const DOWN_GRACE_MS = 3_000;

export interface SoakOptions {
  readonly minutes: number;
  readonly seed: number;
  /** Writer transactions a second at most; unset: as fast as one session goes. */
  readonly rate?: number;
  /** Where the bench/results.md section is appended; unset: nowhere. */
  readonly resultsFile?: string;
  readonly log?: (line: string) => void;
}

export interface SoakResult extends SoakFigures {
  /** Faults by kind, each counting only those that did something (not "not running (skipped)"). */
  readonly injected: Record<FaultKind, number>;
  readonly failedOver: boolean;
  readonly lost: number;
  readonly extra: number;
  readonly changed: number;
  readonly duplicates: number;
  /** The bench/results.md section of the run. */
  readonly section: string;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? ((line: string) => console.log(`chaos: ${line}`));
  const { minutes, seed } = o;
  const [primary, nats] = await Promise.all([startMariaDb(), startNats()]);
  // From the start, so the replica replays the primary's whole binlog (seeding, testkit).
  const replica = await startMariaDbReplica(primary);
  process.env.TIDEWATER_NATS_URL = nats.url;
  const work = mkdtempSync(join(tmpdir(), 'tw-chaos-'));
  const warehouse = join(work, 'wh-chaos.duckdb');
  const spec = (server: typeof primary) =>
    specText('chaos', server, warehouse, {
      objects: [{ database: 'inc' }],
      full: { chunkRows: 1_000, batchRows: 500, parallelChunks: 2 },
    });
  const source = await SoakSource.open(primary, replica);
  let local: Awaited<ReturnType<typeof startLocal>> | undefined;
  let stopped = false;
  try {
    await resetIncDatabase(source.writes);
    await source.writes.query(
      `INSERT INTO inc.acct SELECT seq, seq / 10, CONCAT('seed ', seq), '2024-01-01 00:00:00.5' FROM inc.seq_3001_to_${SEED_ROWS}`,
    );
    local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    const run = local;
    const task = await run.client.createTask(spec(primary));
    await run.client.precheckAndStart(task.taskId);
    const rand = seededRandom(seed);
    const started = Date.now();
    const until = started + minutes * 60_000;
    // Once, at a seeded time in the middle 40% of the run.
    const failoverAt = started + minutes * 60_000 * (0.3 + 0.4 * rand());
    let down = false;
    let backAt = 0;
    let held = false;
    const isDown = () => down || Date.now() - backAt < DOWN_GRACE_MS;
    const watching = watchTask(
      run,
      task.taskId,
      started,
      () => stopped,
      () => held,
      log,
    );
    const [stats, faults, alteredAt] = await Promise.all([
      writeUntil({ source, seed, until, isDown, ...(o.rate ? { rate: o.rate } : {}) }),
      faultLoop({
        local: run,
        nats,
        restartSource: () => source.restart(),
        failover: {
          at: failoverAt,
          run: () => failOver({ local: run, taskId: task.taskId, source, primary, spec, hold: (on) => (held = on) }),
        },
        rand,
        started,
        until,
        sourceDown: (d) => {
          down = d;
          if (!d) backAt = Date.now();
        },
        log,
      }),
      addColumnAt(source, started + minutes * 30_000, started, log),
    ]);
    log(`load done: ${stats.transactions} transactions, ${faults.length} faults; catching up`);
    const end = await currentBinlogPosition(connOf(source.server));
    const epoch = source.failedOver ? 1 : 0;
    const t0 = performance.now();
    await waitFor(
      async () => {
        const t = await run.client.getTask(task.taskId);
        return t.stage === Stage.STAGE_INCREMENTAL && positionReached(t.position, end.file, end.pos, epoch)
          ? t
          : undefined;
      },
      { timeoutMs: 1_800_000, intervalMs: 200, what: `task to apply up to ${end.file}:${end.pos} (epoch ${epoch})` },
    );
    const catchUpSeconds = (performance.now() - t0) / 1000;
    stopped = true;
    const pauses = await watching;
    // The sink holds the DuckDB file while it runs.
    await run.stop();
    local = undefined;

    const w = await waitFor(() => WarehouseSession.open(warehouse), {
      timeoutMs: 30_000,
      what: 'the warehouse to be released',
    });
    try {
      const acctCols: ColumnKind[] = [...INC_TABLES.acct!.cols, { name: 'tag', kind: 'text' }];
      const verdicts = [
        await verifyTable(source.writes, w, 'inc', 'acct', acctCols, 1),
        await verifyTable(source.writes, w, 'inc', 'pair', INC_TABLES.pair!.cols, 2),
      ];
      const figures: SoakFigures = {
        machine: machineLine(),
        minutes,
        seed,
        rate: o.rate,
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
      };
      const section = soakSection(figures, new Date());
      if (o.resultsFile) {
        appendFileSync(o.resultsFile, section);
        log(`section appended to ${o.resultsFile}`);
      }
      const sum = (g: (v: (typeof verdicts)[number]) => number) => verdicts.reduce((s, v) => s + g(v), 0);
      const injected = Object.fromEntries(
        REPORTED_KINDS.map((k) => [k, faults.filter((f) => f.kind === k && !f.note.includes('skipped')).length]),
      ) as Record<FaultKind, number>;
      return {
        ...figures,
        injected,
        failedOver: source.failedOver,
        lost: sum((v) => v.lost.length),
        extra: sum((v) => v.extra.length),
        changed: sum((v) => v.changed.length),
        duplicates: sum((v) => v.duplicates),
        section,
      };
    } finally {
      await w.close();
    }
  } finally {
    stopped = true;
    await local?.stop();
    await source.close();
    await replica.stop();
    await primary.stop();
    await nats.stop();
    if (!process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [minutes = 3, seed = 1, rate = 0] = process.argv.slice(2).map(Number);
  runSoak({ minutes, seed, ...(rate ? { rate } : {}), resultsFile: join(process.cwd(), 'bench', 'results.md') }).then(
    (r) => {
      console.log(r.section);
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
