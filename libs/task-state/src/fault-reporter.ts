import { Progress } from '@tidewater/proto';
import { publishProgress, type Bus } from '@tidewater/bus';
import { errorCodeOf, isTidewaterError, redact, retryWindowOf, type RetryWindow } from '@tidewater/errors';
import { metrics, type Metrics } from '@tidewater/telemetry';

/**
 * Least time between two reports of the same ongoing failure: the coordinator needs the
 * cause, not every attempt. It drops a fault not re-reported for FAULT_STALE_MS.
 */
export const FAULT_REPEAT_MS = 10_000;
export const FAULT_STALE_MS = 6 * FAULT_REPEAT_MS;

/**
 * When an ongoing failure began, the start of its retry window. A failure of another window
 * class is a new failure: after a long connection outage (retry.connectionMinutes) the
 * first query error must get its own retry.otherMinutes, not fail at once.
 */
export class FailingSince {
  private since = 0;
  private window: RetryWindow | undefined;

  /** Records a failure with `code` at `now`; returns when the current failure began. */
  failed(code: string, now: number): number {
    const window = retryWindowOf(code);
    if (this.since === 0 || window !== this.window) this.since = now;
    this.window = window;
    return this.since;
  }

  /** True when a failure was open. */
  recovered(): boolean {
    const was = this.since !== 0;
    this.since = 0;
    this.window = undefined;
    return was;
  }
}

/**
 * Tells the coordinator that a service keeps failing on a task, and when it recovers.
 * The coordinator turns this into the task's `retrying` entries and fails the task when a
 * fault outlives its retry window (docs/control-plane.md, "Retries"). Reporting is best
 * effort: a report that cannot be published is dropped — the next failure reports again.
 */
export class FaultReporter {
  private readonly since = new FailingSince();
  private lastSent = 0;
  private lastCode = '';

  constructor(
    private readonly bus: Bus,
    private readonly taskId: string,
    /** Stable across restarts, e.g. "sink/partition-2": one open fault per reporter. */
    private readonly reporter: string,
    private readonly secrets: readonly string[] = [],
    /** Counts each failure (tidewater_faults_total) and holds the open fault for the health answers. */
    private readonly m: Metrics = metrics,
  ) {}

  failed(e: unknown): void {
    const now = Date.now();
    const code = errorCodeOf(e);
    const since = this.since.failed(code, now);
    const brief = redact(e instanceof Error ? e.message : String(e), this.secrets).slice(0, 500);
    this.m.faultFailed({ task: this.taskId, reporter: this.reporter, code, message: brief });
    if (code === this.lastCode && now - this.lastSent < FAULT_REPEAT_MS) return;
    this.lastSent = now;
    this.lastCode = code;
    // A fatal error ends the task with this message: it carries the fix, which the task view
    // shows (a retried one is expected to clear by itself).
    const fix =
      isTidewaterError(e) && retryWindowOf(code) === 'fatal' && typeof e.details.fix === 'string'
        ? `\n  fix: ${e.details.fix}`
        : '';
    const message = redact(e instanceof Error ? e.message + fix : String(e), this.secrets).slice(0, 2_000);
    this.send({ reporter: this.reporter, code, message, recovered: false, sinceMs: BigInt(since) });
  }

  /** The worker stopped: its fault is no longer open in this process (nothing is reported to the task). */
  forget(): void {
    this.m.faultRecovered(this.taskId, this.reporter);
  }

  /** Call after each success; reports only when a failure was open. */
  recovered(): void {
    if (!this.since.recovered()) return;
    this.m.faultRecovered(this.taskId, this.reporter);
    this.lastCode = '';
    this.lastSent = 0;
    this.send({ reporter: this.reporter, code: '', message: '', recovered: true, sinceMs: 0n });
  }

  private send(fault: { reporter: string; code: string; message: string; recovered: boolean; sinceMs: bigint }): void {
    void publishProgress(
      this.bus,
      Progress.fromPartial({
        taskId: this.taskId,
        unit: { $case: 'fault', value: fault },
        committedAtMs: BigInt(Date.now()),
      }),
    ).catch(() => undefined);
  }
}
