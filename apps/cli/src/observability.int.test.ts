import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMariaDb, startNats, waitFor, freePort, type MariaDbServer, type NatsServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { Stage } from '@tidewater/proto';
import { startLocal } from './local-run.js';
import { specText } from './testing/specs.js';
import { untilStage } from './testing/task-waits.js';
import { startOtlpReceiver, type ReceivedSpan } from './testing/otlp-receiver.js';
import { sample } from './testing/prometheus.js';

// One local run with every service exporting spans to an in-test OTLP receiver and serving
// /metrics: what an operator with a collector and Prometheus would see.
let nats: NatsServer;
let db: MariaDbServer;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let local: Awaited<ReturnType<typeof startLocal>>;
let source: SourceClient;
let work: string;
const saved = { ...process.env };

beforeAll(async () => {
  nats = await startNats();
  db = await startMariaDb();
  receiver = await startOtlpReceiver();
  work = mkdtempSync(join(tmpdir(), 'tw-observe-'));
  Object.assign(process.env, {
    TIDEWATER_NATS_URL: nats.url,
    TIDEWATER_METRICS_PORT_BASE: String(await freePort()),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans leave each process within 100 ms instead of the default 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  await source.query('CREATE DATABASE obs');
  await source.query('CREATE TABLE obs.items (id INT PRIMARY KEY, name VARCHAR(20))');
  await source.query(`INSERT INTO obs.items SELECT seq, CONCAT('item-', seq) FROM obs.seq_1_to_100`);
  local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
});
afterAll(async () => {
  await local?.stop();
  process.env = saved;
  await source?.close();
  await receiver?.close();
  await db?.stop();
  await nats?.stop();
  rmSync(work, { recursive: true, force: true });
});

const scrape = async (instance: string) => {
  const res = await fetch(`http://127.0.0.1:${local.metricsPorts.get(instance)}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
};

/** The trace of the span named `name` whose attribute `key` is `value`, once the receiver has it. */
function traceWith(spans: ReceivedSpan[], name: string, key: string, value: unknown): ReceivedSpan[] | undefined {
  const root = spans.find((s) => s.name === name && s.attributes[key] === value);
  return root && spans.filter((s) => s.traceId === root.traceId);
}

describe('traces and metrics of a running task', () => {
  it('one source change is one trace through capture, transform and sink; rows, lag and faults move in /metrics', async () => {
    const created = await local.client.createTask(
      specText('observed', db, join(work, 'obs.duckdb'), { objects: [{ database: 'obs' }] }),
    );
    await local.client.precheckAndStart(created.taskId);
    await untilStage(local.client, created.taskId, Stage.STAGE_INCREMENTAL);
    const task = { task: 'observed', stage: 'incremental', direction: 'written' };
    const writtenBefore = sample(await scrape('sink'), 'tidewater_rows_total', { ...task, table: 'obs.items' }) ?? 0;

    await source.query(`INSERT INTO obs.items VALUES (1001, 'traced')`);
    // capture.batch (rows: 1) → transform.batch → sink.batch, each span from its own process.
    const trace = await waitFor(
      async () => {
        const t = traceWith(receiver.spans, 'capture.batch', 'tidewater.rows', 1);
        const sinkRows = t
          ?.filter((s) => s.name === 'sink.batch')
          .reduce((n, s) => n + Number(s.attributes['tidewater.rows']), 0);
        return t && sinkRows === 1 && t.some((x) => x.service === 'tidewater-transform') ? t : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'one trace with spans of capture, transform and sink' },
    );
    const byName = (n: string) => trace.find((s) => s.name === n)!;
    expect(byName('transform.batch').parentSpanId).toBe(byName('capture.batch').spanId);
    // Every sink partition sees each change batch (P2): the one holding the row wrote it.
    const sinkSpans = trace.filter((s) => s.name === 'sink.batch');
    expect(new Set(trace.map((s) => s.service))).toEqual(
      new Set(['tidewater-capture', 'tidewater-transform', 'tidewater-sink']),
    );
    expect(sinkSpans.every((s) => s.parentSpanId === byName('transform.batch').spanId)).toBe(true);
    // The control plane's calls are traced too (server spans named by the RPC conventions).
    expect(receiver.spans.some((s) => s.service === 'tidewater-coordinator' && s.name.endsWith('/CreateTask'))).toBe(
      true,
    );
    // The coordinator's schema step and the sink's schema migration are one trace.
    const schema = traceWith(receiver.spans, 'coordinator.schema', 'tidewater.task', created.taskId)!;
    expect(schema.some((s) => s.name === 'sink.schema_migration' && s.service === 'tidewater-sink')).toBe(true);

    const sinkText = await scrape('sink');
    expect(sample(sinkText, 'tidewater_rows_total', { ...task, table: 'obs.items' })).toBe(writtenBefore + 1);
    // Producer → destination latency, per committed batch, in both stages.
    for (const stage of ['full', 'incremental'])
      expect(sample(sinkText, 'tidewater_batch_latency_seconds_count', { task: 'observed', stage })).toBeGreaterThan(0);
    const lag = await waitFor(
      async () => sample(await scrape('coordinator'), 'tidewater_replication_lag_seconds', { task: 'observed' }),
      { timeoutMs: 30_000, intervalMs: 500, what: 'the lag gauge of the task' },
    );
    expect(lag).toBeGreaterThanOrEqual(0);
    // Where messages wait, per consumer of the task, and how far every partition has applied
    // (the coordinator refreshes these every 5 s: wait for a refresh that has them all).
    const applied = (await local.client.getTask(created.taskId)).position.split(' ')[0]!.split(':');
    const coordinator = await waitFor(
      async () => {
        const text = await scrape('coordinator');
        return sample(text, 'tidewater_consumer_pending_messages', { task: 'observed', consumer: 'transform' }) !==
          undefined &&
          /tidewater_consumer_ack_pending_messages\{[^}]*consumer="sink-\d+"/.test(text) &&
          sample(text, 'tidewater_applied_binlog_position', { task: 'observed', file: applied[0]! }) !== undefined &&
          sample(text, 'tidewater_applied_source_timestamp_seconds', { task: 'observed' }) !== undefined
          ? text
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the backlog and applied-position gauges of the task' },
    );
    expect(
      sample(coordinator, 'tidewater_consumer_pending_messages', { task: 'observed', consumer: 'transform' }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sample(coordinator, 'tidewater_applied_binlog_position', { task: 'observed', file: applied[0]! }),
    ).toBeGreaterThan(0);
    expect(sample(coordinator, 'tidewater_applied_source_timestamp_seconds', { task: 'observed' })).toBeGreaterThan(
      1_700_000_000,
    );

    // The source goes away: capture counts the fault and holds it open until it recovers.
    await db.restart!(async () => {
      await waitFor(
        async () => {
          const text = await scrape('capture');
          const n = sample(text, 'tidewater_faults_total', { task: 'observed', code: 'TW_SOURCE_UNREACHABLE' });
          return n !== undefined && n > 0 && Number(/^tidewater_open_faults (\d+)/m.exec(text)?.[1]) > 0;
        },
        { timeoutMs: 60_000, intervalMs: 500, what: 'capture to count TW_SOURCE_UNREACHABLE and hold it open' },
      );
    });
    await source.query(`INSERT INTO obs.items VALUES (1002, 'after')`);
    await waitFor(
      async () =>
        sample(await scrape('sink'), 'tidewater_rows_total', { ...task, table: 'obs.items' }) === writtenBefore + 2 &&
        /^tidewater_open_faults 0/m.test(await scrape('capture')),
      { timeoutMs: 90_000, intervalMs: 500, what: 'the change after the restart applied and the fault closed' },
    );
    // No credential reaches a span or a metric.
    const everything = JSON.stringify(receiver.spans) + (await scrape('capture')) + (await scrape('coordinator'));
    expect(everything).not.toContain(db.password || 'no-password-set');
    expect(everything).not.toMatch(/mysql:\/\/[^@\s]*:[^@\s]*@/);
  });
});
