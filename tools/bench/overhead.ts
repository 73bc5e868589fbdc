/**
 * Observability overhead benchmark (issue 13). In one run, on one machine, the same full
 * migration of a sysbench-like table, each time with fresh services:
 *   off        no /metrics endpoint, spans made but not exported (the default)
 *   on 100%    /metrics on every service (scraped every second) and every span exported over OTLP/HTTP
 *   on 1%      the same with OTEL_TRACES_SAMPLER=parentbased_traceidratio, ARG=0.01
 *   off again  the baseline repeated, to show the run-to-run noise
 * The OTLP endpoint is an in-process HTTP server that counts and drops what it gets.
 * Results are appended to bench/results.md.
 *
 *   node --import tsx tools/bench/overhead.ts [rows=300000]
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startMariaDb, startNats, waitFor } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { startLocal } from '../../apps/cli/src/local-run.js';
import { machineLine } from './machine.js';
import { loadSbtest } from './sbtest.js';

const rows = Number(process.argv[2] ?? 300_000);
const resultsFile = join(process.cwd(), 'bench', 'results.md');
const OBS_ENV = ['TIDEWATER_METRICS_PORT_BASE', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];

interface Run {
  readonly name: string;
  readonly env: Record<string, string>;
}

async function main(): Promise<void> {
  await using db = await startMariaDb();
  await using nats = await startNats();
  const conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  const source = await openSource(conn);
  await loadSbtest(source, rows);
  await source.close();
  let spansBytes = 0;
  const otlp = createServer((req, res) => {
    req.on('data', (c: Buffer) => (spansBytes += c.length));
    req.on('end', () => res.writeHead(200).end());
  });
  otlp.listen(0, '127.0.0.1');
  await once(otlp, 'listening');
  const endpoint = `http://127.0.0.1:${(otlp.address() as { port: number }).port}`;
  process.env.TIDEWATER_NATS_URL = nats.url;
  const work = mkdtempSync(join(tmpdir(), 'tw-bench-obs-'));
  const on = async () => ({ TIDEWATER_METRICS_PORT_BASE: String(await freePort()), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const runs: Run[] = [
    { name: 'off', env: {} },
    { name: 'on, 100% sampled', env: await on() },
    { name: 'on, 1% sampled', env: { ...(await on()), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' } },
    { name: 'off (again)', env: {} },
  ];
  const results: { name: string; secs: number; spanKiB: number }[] = [];
  try {
    for (const [i, run] of runs.entries()) {
      for (const k of OBS_ENV) delete process.env[k];
      Object.assign(process.env, run.env);
      const local = await startLocal({ stateDir: join(work, `state-${i}`), incremental: false });
      // Scrape every service each second while the copy runs, as Prometheus would (more often than its 15 s default).
      const ports = [...local.metricsPorts.values()];
      const scraper = setInterval(() => {
        for (const p of ports) fetch(`http://127.0.0.1:${p}/metrics`).then((r) => r.text(), () => undefined);
      }, 1_000);
      const before = spansBytes;
      try {
        const created = await local.client.createTask(
          JSON.stringify({
            name: `obs-${i}`,
            source: conn,
            destination: { type: 'duckdb', path: join(work, `obs-${i}.duckdb`) },
            objects: [{ database: 'bench', tables: ['sbtest1'] }],
          }),
        );
        const t0 = performance.now();
        await local.client.precheckAndStart(created.taskId);
        await waitFor(
          async () => {
            const t = await local.client.getTask(created.taskId);
            if (t.stage === Stage.STAGE_FAILED) throw new Error(`task failed: ${t.errorMessage}`);
            return t.stage === Stage.STAGE_COMPLETED;
          },
          { timeoutMs: 900_000, intervalMs: 100, what: `${run.name} completed` },
        );
        const secs = (performance.now() - t0) / 1000;
        // Spans leave in batches every 5 s: wait for the last ones before counting.
        await new Promise((r) => setTimeout(r, run.env.OTEL_EXPORTER_OTLP_ENDPOINT ? 6_000 : 0));
        results.push({ name: run.name, secs, spanKiB: (spansBytes - before) / 1024 });
        console.log(`${run.name}: ${secs.toFixed(2)} s`);
      } finally {
        clearInterval(scraper);
        await local.stop();
      }
    }
  } finally {
    otlp.close();
    rmSync(work, { recursive: true, force: true });
  }
  const base = results[0]!.secs;
  appendFileSync(
    resultsFile,
    `\n## Observability overhead — ${new Date().toISOString().slice(0, 16)}Z\n\nMachine: ${machineLine()}\n\n` +
      `Full migration of ${rows.toLocaleString('en-US')} rows of \`sbtest1\` into DuckDB, every service a process, fresh services per run, in this order. ` +
      '"on": `/metrics` on every service scraped every second, spans exported over OTLP/HTTP (protobuf) to a local endpoint that drops them.\n\n' +
      '| run | time | rate | time / off | spans sent |\n|---|---|---|---|---|\n' +
      results
        .map(
          (r) =>
            `| ${r.name} | ${r.secs.toFixed(2)} s | ${Math.round(rows / r.secs).toLocaleString('en-US')} rows/s | **${(r.secs / base).toFixed(2)}×** | ${r.spanKiB.toFixed(0)} KiB |`,
        )
        .join('\n') +
      '\n',
  );
  console.log(`results appended to ${resultsFile}`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
