import { Stage, type Fault, type Retrying, type TaskState } from '@tidewater/proto';
import { ErrorCodes, retryWindowOf, type ErrorCode } from '@tidewater/errors';
import type { RetryOptions } from '@tidewater/config';
import { ACTIVE_STAGES, FAULT_STALE_MS } from '@tidewater/task-state';

const MINUTE_MS = 60_000;

/**
 * Folds a service's fault report into the task (DTS "retry time for failed connections /
 * for other issues"). A fatal code fails the task at once; a retriable one opens a
 * `retrying` entry whose deadline is counted from the reporter's first failure.
 */
export function applyFault(s: TaskState, f: Fault, retry: RetryOptions, now: number): TaskState | undefined {
  if (!ACTIVE_STAGES.has(s.stage)) return undefined;
  const others = s.retrying.filter((r) => r.reporter !== f.reporter);
  if (f.recovered) return others.length === s.retrying.length ? undefined : { ...s, retrying: others };
  const window = retryWindowOf(f.code);
  if (window === 'fatal') return failTask(s, f.code, `${f.reporter}: ${f.message}`);
  const since = Number(f.sinceMs) || now;
  const minutes = window === 'connection' ? retry.connectionMinutes : retry.otherMinutes;
  const entry: Retrying = {
    reporter: f.reporter,
    code: f.code,
    message: f.message,
    sinceMs: BigInt(since),
    deadlineMs: BigInt(since + minutes * MINUTE_MS),
    window,
    reportedMs: BigInt(now),
  };
  return { ...s, retrying: [...others, entry] };
}

/** Fails the task when a fault outlived its window; forgets faults whose reporter went silent. */
export function enforceDeadlines(s: TaskState, now: number): TaskState | undefined {
  if (!ACTIVE_STAGES.has(s.stage) || s.retrying.length === 0) return undefined;
  const expired = s.retrying.find((r) => Number(r.deadlineMs) <= now);
  if (expired) {
    const minutes = Math.round((Number(expired.deadlineMs) - Number(expired.sinceMs)) / MINUTE_MS);
    return failTask(
      s,
      'TW_RETRY_EXHAUSTED',
      `${expired.reporter} retried ${expired.code} for ${minutes} min (retry.${expired.window}Minutes) without success; last error: ${expired.message}`,
    );
  }
  // A reporter repeats an ongoing failure every FAULT_REPEAT_MS; silence means it recovered
  // without saying so (e.g. its process was replaced).
  const live = s.retrying.filter((r) => now - Number(r.reportedMs) < FAULT_STALE_MS);
  return live.length === s.retrying.length ? undefined : { ...s, retrying: live };
}

/** Failed tasks remember their stage: ResumeTask re-enters it from its checkpoints. */
export function failTask(s: TaskState, code: string, message: string): TaskState {
  const known = (code in ErrorCodes ? code : 'TW_INTERNAL') as ErrorCode;
  return {
    ...s,
    stage: Stage.STAGE_FAILED,
    pausedFrom: s.stage,
    errorCode: known,
    errorMessage: message,
    retrying: [],
  };
}

/**
 * Fails the task for a fatal error of a step run in `stage`. A pause or stop that landed
 * while the step ran stands: failing then would record pausedFrom=PAUSED/STOPPED, which
 * cannot be resumed.
 */
export function failStep(s: TaskState, stage: Stage, code: string, message: string): TaskState | undefined {
  return s.stage === stage ? failTask(s, code, message) : undefined;
}
