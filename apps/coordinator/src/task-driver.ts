import { Stage, type TaskState } from '@tidewater/proto';
import { openSource } from '@tidewater/mysql-source';
import { currentBinlogPosition } from '@tidewater/binlog';
import { requireIncrementalReady } from '@tidewater/precheck';
import { FailingSince, specOf, type TaskStore } from '@tidewater/task-state';
import { requestSinkSchema, type Bus } from '@tidewater/bus';
import { inSpan, type Logger } from '@tidewater/telemetry';
import { errorCodeOf, isTidewaterError, redact, retryWindowOf } from '@tidewater/errors';
import { applyFault, enforceDeadlines, failStep } from './retry-windows.js';
import { nextStage, TERMINAL, stageName } from './stage-machine.js';
import { readTables } from './schema-stage.js';
import { planChunks, publishWork, fullCopyDone } from './full-stage.js';
import { consumeProgress } from './progress-consumer.js';
import { resyncStep } from './resync-stage.js';

export interface DriverDeps {
  readonly bus: Bus;
  readonly store: TaskStore;
  readonly log: Logger;
}

/**
 * Drives one task through its stages. Every step is idempotent and recorded in KV before
 * the next begins, so a restarted coordinator re-enters the current stage and carries on.
 */
export class TaskDriver {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private progress: Promise<void> | undefined;

  constructor(
    private readonly deps: DriverDeps,
    readonly taskId: string,
  ) {}

  /** Resolves when the driver ends: stopped, or the task needs no driver any more. */
  start(): Promise<void> {
    this.running ??= this.run().catch((e: unknown) =>
      this.deps.log.error('task driver crashed', { task: this.taskId, err: e }),
    );
    return this.running;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    await this.progress;
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        if (await this.iterate(signal)) return;
      } catch (e) {
        // Reading or writing the task state failed (e.g. the bus is away): the driver must
        // survive it, or the task would never be driven again while its lease is renewed.
        if (signal.aborted) return;
        this.deps.log.warn('task driver iteration failed; retrying', { task: this.taskId, err: e });
        await sleep(2_000, signal);
      }
    }
  }

  /** One step of the current stage; true when the task needs no driver any more. */
  private async iterate(signal: AbortSignal): Promise<boolean> {
    const { store, log } = this.deps;
    const { state } = await store.require(this.taskId);
    if (
      TERMINAL.has(state.stage) ||
      state.stage === Stage.STAGE_PAUSED ||
      state.stage === Stage.STAGE_CREATED ||
      state.stage === Stage.STAGE_PRECHECKED
    )
      return true;
    if (await this.failedPastDeadline()) return false;
    try {
      await this.tracedStep(state, signal);
      await this.reportRecovered();
      return false;
    } catch (e) {
      if (signal.aborted) return true;
      if (retryWindowOf(errorCodeOf(e)) !== 'fatal') {
        log.warn('task step failed; retrying', { task: this.taskId, stage: stageName(state.stage), err: e });
        await this.reportFault(e);
        await sleep(2_000, signal);
        return false;
      }
      log.error('task failed', { task: this.taskId, stage: stageName(state.stage), err: e });
      await store.update(this.taskId, (s) =>
        failStep(s, state.stage, errorCodeOf(e), isTidewaterError(e) ? e.describe() : String(e)),
      );
      return true;
    }
  }

  private readonly failing = new FailingSince();

  /** The coordinator's own step failures count against the retry windows like any service's. */
  private async reportFault(e: unknown): Promise<void> {
    const now = Date.now();
    const code = errorCodeOf(e);
    const text = e instanceof Error ? e.message : String(e);
    const sinceMs = BigInt(this.failing.failed(code, now));
    // Redacted like every service's report: the entry is shown by GetTask and kept in KV.
    await this.deps.store.update(this.taskId, (s) => {
      const spec = specOf(s);
      return applyFault(
        s,
        {
          reporter: 'coordinator',
          code,
          message: redact(text, [spec.source.password]).slice(0, 1_000),
          recovered: false,
          sinceMs,
        },
        spec.retry,
        now,
      );
    });
  }

  private async reportRecovered(): Promise<void> {
    if (!this.failing.recovered()) return;
    const fault = { reporter: 'coordinator', code: '', message: '', recovered: true, sinceMs: 0n };
    await this.deps.store.update(this.taskId, (s) => applyFault(s, fault, specOf(s).retry, Date.now()));
  }

  private async failedPastDeadline(): Promise<boolean> {
    const { state } = await this.deps.store.update(this.taskId, (s) => enforceDeadlines(s, Date.now()));
    if (state.stage !== Stage.STAGE_FAILED) return false;
    this.deps.log.error('task failed: retry window exhausted', {
      task: this.taskId,
      code: state.errorCode,
      message: state.errorMessage,
    });
    return true;
  }

  /**
   * The bounded steps (schema migration, chunk planning, publishing work, completing a stage)
   * each get a span: the work items it publishes carry its trace, so one full copy is one trace
   * from the coordinator through snapshot, transform and sink. Waiting for progress gets none.
   */
  private async tracedStep(state: TaskState, signal: AbortSignal): Promise<void> {
    const waiting =
      state.stage === Stage.STAGE_INCREMENTAL ||
      (state.stage === Stage.STAGE_FULL &&
        state.tables.every((t) => t.chunks.length > 0 && t.workPublished) &&
        !fullCopyDone(state));
    if (waiting) return this.step(state, signal);
    await inSpan(`coordinator.${stageName(state.stage)}`, { 'tidewater.task': this.taskId }, () =>
      this.step(state, signal),
    );
  }

  private async step(state: TaskState, signal: AbortSignal): Promise<void> {
    const { store, bus, log } = this.deps;
    const spec = specOf(state);
    log.addSecret(spec.source.password);
    switch (state.stage) {
      case Stage.STAGE_SCHEMA: {
        // The binlog position is taken before the full copy begins: with FULL row images,
        // replaying the log from here over the copy yields the source exactly (docs/merge.md, "The merge").
        const incremental = spec.migrationTypes.includes('incremental');
        const source = await openSource(spec.source);
        try {
          if (incremental) await requireIncrementalReady(source, `${spec.source.host}:${spec.source.port}`);
          const startPosition = incremental
            ? (state.startPosition ?? (await currentBinlogPosition(spec.source)))
            : undefined;
          const withTables = await readTables(source, spec, state);
          await store.update(this.taskId, (s) =>
            s.stage === Stage.STAGE_SCHEMA
              ? { ...s, tables: withTables.tables, startPosition: s.startPosition ?? startPosition }
              : undefined,
          );
        } finally {
          await source.close();
        }
        await requestSinkSchema(bus, this.taskId, signal);
        log.info('schema migrated', { task: this.taskId, tables: state.tables.length });
        await this.advance(Stage.STAGE_SCHEMA);
        return;
      }
      case Stage.STAGE_FULL: {
        this.watchProgress();
        if (state.tables.some((t) => t.chunks.length === 0)) {
          const source = await openSource(spec.source);
          try {
            const planned = await planChunks(source, spec, state);
            await store.update(this.taskId, (s) => ({
              ...s,
              tables: planned.tables,
              fullStartedAtMs: s.fullStartedAtMs || BigInt(Date.now()),
            }));
          } finally {
            await source.close();
          }
          return;
        }
        if (state.tables.some((t) => !t.workPublished)) {
          const published = await publishWork(bus, spec, state);
          await store.update(this.taskId, (s) => ({
            ...s,
            tables: s.tables.map((t, i) => ({ ...t, workPublished: published.tables[i]!.workPublished })),
          }));
          log.info('full copy planned', {
            task: this.taskId,
            chunks: state.tables.reduce((n, t) => n + t.chunksTotal, 0),
          });
          return;
        }
        if (fullCopyDone(state)) {
          await store.update(this.taskId, (s) => ({ ...s, fullFinishedAtMs: BigInt(Date.now()) }));
          await this.advance(Stage.STAGE_FULL);
          return;
        }
        await this.waitForChange(signal);
        return;
      }
      case Stage.STAGE_INCREMENTAL:
        this.watchProgress();
        // A resync (R1) takes its bounded steps beside the change stream.
        if (await resyncStep(this.deps, state, signal)) return;
        await this.waitForChange(signal);
        return;
      default:
        return;
    }
  }

  private async advance(from: Stage): Promise<void> {
    await this.deps.store.update(this.taskId, (s) => {
      if (s.stage !== from) return undefined;
      const next = nextStage(from, specOf(s));
      this.deps.log.info('stage', { task: this.taskId, from: stageName(from), to: stageName(next) });
      // The change stream starts now: the lag and "blocked since" are counted from here until it reports (L1).
      return { ...s, stage: next, ...(next === Stage.STAGE_INCREMENTAL ? { appliedAtMs: BigInt(Date.now()) } : {}) };
    });
  }

  /** Runs the progress consumer, restarting it after a failure (e.g. a bus blip): without it a full copy never completes. */
  private watchProgress(): void {
    const signal = this.controller.signal;
    this.progress ??= consumeProgress(this.deps.bus, this.deps.store, this.deps.log, this.taskId, signal, () => {
      if (this.changed) this.changed();
      else this.changeSeen = true;
    })
      .catch((e: unknown) => this.deps.log.warn('progress consumer failed; restarting', { task: this.taskId, err: e }))
      .then(() => sleep(2_000, signal))
      .then(() => {
        this.progress = undefined;
      });
  }

  private changed: (() => void) | undefined;
  /**
   * A change applied while the driver was between steps: the next wait returns at once. Else
   * the last chunk's report, landing mid-step, left the task waiting out the 1 s timer.
   */
  private changeSeen = false;

  private waitForChange(signal: AbortSignal): Promise<void> {
    if (this.changeSeen) {
      this.changeSeen = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        this.changed = undefined;
        resolve();
      };
      const t = setTimeout(done, 1_000);
      this.changed = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // An aborted signal fires no more 'abort' events: without this a stopping driver would sleep on.
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
