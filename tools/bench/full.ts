/**
 * Full-migration benchmark (issue 3): loads N rows of a sysbench-like table into a fresh
 * MariaDB, then in the same run times (a) mydumper dumping it and (b) a full Tidewater
 * migration of it through every service into DuckDB, and records rows/s, the ratio
 * (b)/(a) and peak RSS per service in bench/results.md.
 *
 *   node --import tsx tools/bench/full.ts [rows...]      default: 1000000
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { machineLine, peakRssMiB } from './machine.js';
import { loadSbtest } from './sbtest.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(1_000_000);
const resultsFile = join(process.cwd(), 'bench', 'results.md');

function hasBinary(name: string): boolean {
  try {
    execFileSync('which', [name]);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (!hasBinary('mydumper')) throw new Error('mydumper is not installed: apt-get install -y mydumper');
  const rows: string[] = [];
  for (const n of sizes) {
    await using db = await startMariaDb();
    await using nats = await startNats();
    const work = mkdtempSync(join(tmpdir(), 'tw-bench-'));
    try {
      const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
      await loadSbtest(source, n);
      await source.close();
      console.log(`loaded ${n} rows`);

      // (a) mydumper, the ceiling a logical dump reaches on this machine.
      const dumpDir = join(work, 'dump');
      const t0 = performance.now();
      execFileSync('mydumper', ['-h', db.host, '-P', String(db.port), '-u', db.user, ...(db.password ? ['-p', db.password] : []), '-B', 'bench', '-T', 'sbtest1', '-o', dumpDir, '-t', '2', '-r', '50000', '--less-locking'], { stdio: 'ignore' });
      const dumpSecs = (performance.now() - t0) / 1000;
      console.log(`mydumper: ${dumpSecs.toFixed(2)} s`);

      // (b) Tidewater: task start → completed, every service a separate process.
      process.env.TIDEWATER_NATS_URL = nats.url;
      const local = await startLocal({ stateDir: join(work, 'state'), incremental: false });
      let twSecs = 0;
      const rss: Record<string, number | undefined> = {};
      try {
        const spec = JSON.stringify({
          name: `bench-${n}`,
          source: { host: db.host, port: db.port, user: db.user, password: db.password },
          destination: { type: 'duckdb', path: join(work, 'bench.duckdb') },
          objects: [{ database: 'bench', tables: ['sbtest1'] }],
        });
        const created = await local.client.createTask(spec);
        const t1 = performance.now();
        await local.client.precheckAndStart(created.taskId);
        for (;;) {
          const t = await local.client.getTask(created.taskId);
          if (t.stage === Stage.STAGE_COMPLETED) break;
          if (t.stage === Stage.STAGE_FAILED) throw new Error(`task failed: ${t.errorMessage}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        twSecs = (performance.now() - t1) / 1000;
        for (const s of ['coordinator', 'snapshot', 'transform', 'sink']) rss[s] = peakRssMiB(local.supervisor.pid(s));
      } finally {
        await local.stop();
      }
      console.log(`tidewater: ${twSecs.toFixed(2)} s`);
      const ratio = dumpSecs / twSecs;
      rows.push(
        `| ${n.toLocaleString('en-US')} | ${dumpSecs.toFixed(2)} s (${Math.round(n / dumpSecs).toLocaleString('en-US')} rows/s) | ${twSecs.toFixed(2)} s (${Math.round(n / twSecs).toLocaleString('en-US')} rows/s) | **${ratio.toFixed(2)}×** | ${Object.entries(rss).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')} |`,
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (!existsSync(resultsFile)) writeFileSync(resultsFile, '# Benchmark results\n\nFigures from `tools/bench`; ratios compare runs made in the same invocation on the same machine.\n');
  appendFileSync(
    resultsFile,
    `\n## Full migration vs mydumper — ${new Date().toISOString().slice(0, 16)}Z\n\nMachine: ${machineLine()}\n\n` +
      'Table: sysbench-like `sbtest1` (INT PK, INT k, CHAR(120), CHAR(60)). mydumper: 2 threads, 50k-row chunks. ' +
      'Tidewater: task start → completed, snapshot → NATS → transform → NATS → sink → DuckDB, each a separate process, default spec' +
      (process.env.TIDEWATER_NODE_ARGS ? `, services run with \`${process.env.TIDEWATER_NODE_ARGS}\`` : '') + '.\n\n' +
      '| rows | mydumper | Tidewater | ratio (Tidewater rate / mydumper rate) | peak RSS per service (MiB) |\n|---|---|---|---|---|\n' +
      rows.join('\n') + '\n',
  );
  console.log(`results appended to ${resultsFile}`);
}

main().then(() => process.exit(0), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
