import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, startMetricsServer, type MetricsServer } from './index.js';

/** The value of one sample line `name{labels} value` of a Prometheus text body. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics endpoint', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics in Prometheus text, and the counters move', async () => {
    const m = new Metrics();
    server = await startMetricsServer({ metrics: m, port: 0, host: '127.0.0.1', ready: () => true });
    const url = `http://127.0.0.1:${server.port}`;
    const labels = { task: 't1', table: 'shop.orders', stage: 'full', direction: 'read' as const };
    m.countRows(labels, 10, 1_000);
    const first = await fetch(`${url}/metrics`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/plain');
    const before = await first.text();
    expect(sample(before, 'tidewater_rows_total', labels)).toBe(10);
    expect(sample(before, 'tidewater_bytes_total', labels)).toBe(1_000);
    m.countRows(labels, 5, 500);
    m.countRows({ ...labels, direction: 'written' }, 3, 0);
    m.batchCommit.observe({ task: 't1', stage: 'full' }, 0.02);
    m.lag.set({ task: 't1' }, 4.5);
    m.fullRowsDone.set({ task: 't1', table: 'shop.orders' }, 15);
    m.fullRowsEstimated.set({ task: 't1', table: 'shop.orders' }, 20);
    const after = await (await fetch(`${url}/metrics`)).text();
    expect(sample(after, 'tidewater_rows_total', labels)).toBe(15);
    expect(sample(after, 'tidewater_rows_total', { ...labels, direction: 'written' })).toBe(3);
    expect(sample(after, 'tidewater_bytes_total', { ...labels, direction: 'written' })).toBeUndefined();
    expect(sample(after, 'tidewater_batch_commit_seconds_count', { task: 't1', stage: 'full' })).toBe(1);
    expect(sample(after, 'tidewater_batch_commit_seconds_bucket', { task: 't1', le: '0.025' })).toBe(1);
    expect(sample(after, 'tidewater_replication_lag_seconds', { task: 't1' })).toBe(4.5);
    expect(sample(after, 'tidewater_full_rows_done', { table: 'shop.orders' })).toBe(15);
    expect(sample(after, 'tidewater_full_rows_estimated', { table: 'shop.orders' })).toBe(20);
    // prom-client's process metrics, under the same prefix.
    expect(sample(after, 'tidewater_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(after).toContain('# TYPE tidewater_rows_total counter');
  });

  it('counts faults by reporter and code, and holds the open ones until recovered', async () => {
    const m = new Metrics({ processMetrics: false });
    server = await startMetricsServer({ metrics: m, port: 0, host: '127.0.0.1', ready: () => true });
    const fault = { task: 't1', reporter: 'sink/partition-2', code: 'TW_DEST_UNAVAILABLE', message: 'down' };
    m.faultFailed(fault);
    m.faultFailed(fault);
    expect(m.openFaults()).toEqual([fault]);
    let text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(sample(text, 'tidewater_faults_total', { reporter: 'sink/partition-2', code: 'TW_DEST_UNAVAILABLE' })).toBe(
      2,
    );
    expect(sample(text, 'tidewater_open_faults')).toBe(1);
    m.faultRecovered('t1', 'sink/partition-2');
    expect(m.openFaults()).toEqual([]);
    text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    expect(sample(text, 'tidewater_open_faults')).toBe(0);
    expect(sample(text, 'tidewater_faults_total', { code: 'TW_DEST_UNAVAILABLE' })).toBe(2);
  });

  it('answers /healthz while running and /readyz by readiness', async () => {
    let ready = false;
    server = await startMetricsServer({
      metrics: new Metrics({ processMetrics: false }),
      port: 0,
      host: '127.0.0.1',
      ready: () => ready,
      notReadyCause: () => 'bus not connected',
    });
    const url = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('bus not connected');
    ready = true;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
