import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@tidewater/testkit';
import { Stage, TaskState } from '@tidewater/proto';
import type { StoredTask, TaskStore } from '@tidewater/task-state';
import { Metrics, type Logger } from '@tidewater/telemetry';
import { alertWorker } from './alert-worker.js';

// The runner of one task's alerts against a webhook on this machine and a task store in
// memory: every state change is evaluated, messages go out before the alert state is
// written, the gauge follows, and no secret of the task reaches the webhook.

const PASSWORD = 'src-Pa55word';
let server: Server;
let url = '';
const bodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      bodies.push(b);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, addSecret() {} };

/** A task store holding one task in memory, as KV would (compare-and-set aside). */
function memoryStore(first: TaskState) {
  let state = first;
  const writes: TaskState[] = [];
  const store = {
    async update(_id: string, change: (s: TaskState) => TaskState | undefined) {
      const next = change(TaskState.fromPartial(state));
      if (next) {
        state = next;
        writes.push(next);
      }
      return { state, revision: writes.length };
    },
  } as unknown as TaskStore;
  return { store, writes, current: () => state, set: (s: TaskState) => (state = s) };
}

const specJson = JSON.stringify({
  name: 'shop',
  source: { host: 'db', port: 3306, user: 'u', password: PASSWORD },
  destination: { type: 'duckdb', path: 'w.duckdb' },
  alerts: { webhooks: [{ url: '' }], rules: { failed: true }, interval: 10 },
});

describe('alertWorker', () => {
  it('fires on a failed state, resolves on the next running state, writes its state after sending, scrubs secrets', async () => {
    const spec = specJson.replace('"url":""', `"url":"${url}"`);
    const failed = TaskState.fromPartial({
      taskId: 'shop',
      stage: Stage.STAGE_FAILED,
      specJson: spec,
      errorCode: 'TW_SOURCE_AUTH',
      errorMessage: `login refused for u with ${PASSWORD}`,
    });
    const mem = memoryStore(failed);
    const m = new Metrics({ processMetrics: false });
    const gauge = async () => (await m.alertsFiring.get()).values.find((v) => v.labels.rule === 'failed')?.value;
    const worker = alertWorker(
      { store: mem.store, log: quiet, metrics: m, everyMs: 60_000 },
      { state: failed, revision: 1 },
    );
    try {
      await waitFor(async () => (mem.writes.length >= 1 ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the alert state',
      });
      expect(bodies).toHaveLength(1);
      expect(JSON.parse(bodies[0]!)).toMatchObject({ task: 'shop', rule: 'failed', status: 'firing' });
      expect(bodies[0]).not.toContain(PASSWORD);
      expect(JSON.parse(bodies[0]!).summary).toBe('task failed: TW_SOURCE_AUTH: login refused for u with ***');
      expect(mem.current().alerts).toEqual([expect.objectContaining({ rule: 'failed', announced: true })]);
      // The kept summary (shown by task status) is scrubbed too.
      expect(JSON.stringify(mem.current().alerts, (_k, v: unknown) => (typeof v === 'bigint' ? 0 : v))).not.toContain(
        PASSWORD,
      );
      expect(await gauge()).toBe(1);
      // Resumed: the running state passes through the worker, the alert resolves.
      const running: StoredTask = {
        state: TaskState.fromPartial({ ...mem.current(), stage: Stage.STAGE_SCHEMA, errorCode: '', errorMessage: '' }),
        revision: 3,
      };
      mem.set(running.state);
      worker.update!(running);
      await waitFor(async () => (mem.writes.length >= 2 ? true : undefined), { timeoutMs: 10_000, what: 'resolved' });
      expect(bodies.map((b) => (JSON.parse(b) as { status: string }).status)).toEqual(['firing', 'resolved']);
      expect(mem.current().alerts).toEqual([expect.objectContaining({ rule: 'failed', firingSinceMs: 0n })]);
      expect(await gauge()).toBe(0);
      // The same state again (e.g. the worker's own write coming back): nothing new. Stopping
      // waits for the evaluation under way.
      worker.update!({ state: mem.current(), revision: 4 });
    } finally {
      await worker.stop();
    }
    expect(mem.writes).toHaveLength(2);
    expect(bodies).toHaveLength(2);
    expect((await m.alertsFiring.get()).values).toEqual([]);
  });
});
