import { describe, expect, it, vi } from 'vitest';
import { trace } from '@opentelemetry/api';
import { Progress, TaskState } from '@tidewater/proto';
import type { Bus } from '@tidewater/bus';
import type { StoredTask, TaskStore } from '@tidewater/task-state';
import { createLogger } from '@tidewater/telemetry';
import { healthStatus, taskWorker, taskWorkers, type TaskWorker } from './index.js';

const log = createLogger('t', 'error', () => undefined);
const task = (taskId: string, stage = 0): StoredTask => ({
  state: TaskState.fromPartial({ taskId, stage }),
  revision: 1,
});

/** A bus that keeps what is published (fault reports). */
function fakeBus() {
  const published: Progress[] = [];
  const bus = {
    js: { publish: vi.fn(async (_s: string, data: Uint8Array) => void published.push(Progress.decode(data))) },
  } as unknown as Bus;
  return { bus, published };
}

const services = (bus: Bus) => ({ bus, log, tracer: trace.getTracer('t') });
const options = (signal: AbortSignal) => ({ name: 'svc', task: task('t1'), signal, secrets: ['hunter2'] });

describe('taskWorker', () => {
  it('stops by aborting its loops, waiting for them, then closing', async () => {
    const events: string[] = [];
    const { bus } = fakeBus();
    const w = await taskWorker(services(bus), options(new AbortController().signal), (ctx) => {
      ctx.keep(
        new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => setTimeout(() => resolve(void events.push('loop ended')), 5)),
        ),
        'loop stopped',
      );
      return {
        close: async () => void events.push('closed'),
        update: (t) => void events.push(`update ${t.state.taskId}`),
      };
    });
    w.update?.(task('t1'));
    await w.stop();
    expect(events).toEqual(['update t1', 'loop ended', 'closed']);
  });

  it('stops when the service stops, and from inside', async () => {
    const { bus } = fakeBus();
    const service = new AbortController();
    let signal!: AbortSignal;
    await taskWorker(services(bus), options(service.signal), (ctx) => ((signal = ctx.signal), {}));
    service.abort();
    expect(signal.aborted).toBe(true);
    await taskWorker(
      services(bus),
      options(new AbortController().signal),
      (ctx) => ((signal = ctx.signal), ctx.abort(), {}),
    );
    expect(signal.aborted).toBe(true);
  });

  it("reports a loop's failures as the part's fault, redacted, and its recovery", async () => {
    const { bus, published } = fakeBus();
    const w = await taskWorker(services(bus), options(new AbortController().signal), (ctx) => {
      const hooks = ctx.retries('batch failed; will retry', 'part-2', { part: 2 });
      hooks.onError(new Error('access denied with hunter2'));
      hooks.onRecovered();
      ctx.faults().failed(new Error('whole worker'));
      return {};
    });
    const faults = published.map((p) => (p.unit?.$case === 'fault' ? p.unit.value : undefined));
    expect(faults.map((f) => [f?.reporter, f?.recovered])).toEqual([
      ['svc/part-2', false],
      ['svc/part-2', true],
      ['svc', false],
    ]);
    expect(faults[0]!.message).not.toContain('hunter2');
    expect(published.every((p) => p.taskId === 't1')).toBe(true);
    await w.stop();
  });

  it('makes the health answer degraded with the cause while a fault is open, ok once recovered or stopped', async () => {
    const { bus } = fakeBus();
    let hooks!: { onError(e: unknown): void; onRecovered(): void };
    const w = await taskWorker(services(bus), options(new AbortController().signal), (ctx) => {
      hooks = ctx.retries('batch failed; will retry', 'partition-1');
      return {};
    });
    expect(healthStatus()).toEqual({ status: 'ok', cause: '' });
    hooks.onError(new Error('destination locked by hunter2'));
    const degraded = healthStatus();
    expect(degraded.status).toBe('degraded');
    expect(degraded.cause).toContain('t1 svc/partition-1 retrying: TW_UNCLASSIFIED destination locked by');
    expect(degraded.cause).not.toContain('hunter2');
    hooks.onRecovered();
    expect(healthStatus().status).toBe('ok');
    hooks.onError(new Error('again'));
    expect(healthStatus().status).toBe('degraded');
    await w.stop();
    expect(healthStatus()).toEqual({ status: 'ok', cause: '' });
  });

  it('ends what it started when it cannot start', async () => {
    const { bus } = fakeBus();
    let loopSignal!: AbortSignal;
    const failing = taskWorker(services(bus), options(new AbortController().signal), async (ctx) => {
      loopSignal = ctx.signal;
      ctx.keep(new Promise((resolve) => ctx.signal.addEventListener('abort', resolve)), 'loop stopped');
      throw new Error('destination busy');
    });
    await expect(failing).rejects.toThrow('destination busy');
    expect(loopSignal.aborted).toBe(true);
  });

  it("passes a traced call's result or error through", async () => {
    const { bus } = fakeBus();
    await taskWorker(services(bus), options(new AbortController().signal), async (ctx) => {
      expect(await ctx.traced('x.batch', undefined, { 'tidewater.partition': 1 }, async () => 'ack')).toBe('ack');
      await expect(ctx.traced('x.batch', undefined, {}, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
        'boom',
      );
      return {};
    });
  });
});

/** A task store whose watch is driven by the test. */
function fakeStore() {
  let emit!: (ev: StoredTask | { deleted: string }) => void;
  const store = { watch: async (_s: AbortSignal, cb: typeof emit) => void (emit = cb) } as unknown as TaskStore;
  return { store, emit: (ev: StoredTask | { deleted: string }) => emit(ev) };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('taskWorkers', () => {
  it("starts a task's new worker only after its previous one stopped", async () => {
    const events: string[] = [];
    let n = 0;
    let finishStop!: () => void;
    const { store, emit } = fakeStore();
    const workers = taskWorkers(
      'w',
      store,
      log,
      (t) => t.state.stage === 1,
      async () => {
        const i = ++n;
        events.push(`start ${i}`);
        return {
          stop: () =>
            new Promise<void>((resolve) => {
              events.push(`stopping ${i}`);
              finishStop = () => resolve(void events.push(`stopped ${i}`));
            }),
        };
      },
    );
    await workers.start(new AbortController().signal);
    emit(task('a', 1));
    await tick();
    emit(task('a', 0));
    await tick();
    emit(task('a', 1));
    await tick();
    expect(events).toEqual(['start 1', 'stopping 1']);
    finishStop();
    await tick();
    await tick();
    expect(events).toEqual(['start 1', 'stopping 1', 'stopped 1', 'start 2']);
    const stopped = workers.stop();
    await tick();
    finishStop();
    await stopped;
    expect(events.slice(4)).toEqual(['stopping 2', 'stopped 2']);
  });

  it('offers a task again once its worker ended by itself', async () => {
    vi.useFakeTimers();
    try {
      const { store, emit } = fakeStore();
      const ends: Array<(why: 'lost' | 'done') => void> = [];
      const start = vi.fn(async (): Promise<TaskWorker> => ({
        ended: new Promise((resolve) => ends.push(resolve)),
        stop: async () => undefined,
      }));
      const workers = taskWorkers('w', store, log, (t) => t.state.stage === 1, start);
      await workers.start(new AbortController().signal);
      emit(task('a', 1));
      await vi.advanceTimersByTimeAsync(0);
      expect(start).toHaveBeenCalledTimes(1);
      ends[0]!('done');
      await vi.advanceTimersByTimeAsync(5_000);
      expect(start).toHaveBeenCalledTimes(2);
      // Not again once the task wants no worker here.
      emit(task('a', 0));
      ends[1]!('lost');
      await vi.advanceTimersByTimeAsync(5_000);
      expect(start).toHaveBeenCalledTimes(2);
      await workers.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
