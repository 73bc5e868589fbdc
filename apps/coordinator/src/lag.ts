import { Stage, type TaskState } from '@tidewater/proto';

/**
 * Capture reports "caught up" every idle second and every change batch reports when
 * applied, so an applied report older than this means nothing is reaching the destination.
 */
const STALE_AFTER_MS = 3_000;
/** Nothing applied for this long in the incremental stage: the view says the stream is blocked. */
const BLOCKED_AFTER_MS = 10_000;

export interface LagView {
  readonly lagSeconds: number;
  readonly blockedSinceMs: bigint;
  readonly blockedCause: string;
}

/**
 * Replication lag as of `now`: the age of what the destination lacks. The stored lag was
 * measured when the last report was applied; once reports stop (a blocked sink, a pause, a
 * stuck capture) the destination is current only as of the last applied source time, so
 * the lag is the time since then and keeps growing until changes flow again (L1).
 */
export function lagOf(s: TaskState, now: number): LagView {
  const incremental =
    s.stage === Stage.STAGE_INCREMENTAL || (s.stage === Stage.STAGE_PAUSED && s.pausedFrom === Stage.STAGE_INCREMENTAL);
  // States written before applied_at_ms existed: the last source time is the best bound.
  const appliedAt = s.appliedAtMs > 0n ? s.appliedAtMs : s.lastSourceTimeMs;
  if (!incremental || appliedAt <= 0n) return { lagSeconds: s.lagSeconds, blockedSinceMs: 0n, blockedCause: '' };
  const idleMs = now - Number(appliedAt);
  // Before the first report the destination is current as of when the change stream began.
  const asOf = s.lastSourceTimeMs > 0n ? s.lastSourceTimeMs : appliedAt;
  const lagSeconds = idleMs > STALE_AFTER_MS ? Math.max(s.lagSeconds, (now - Number(asOf)) / 1000) : s.lagSeconds;
  // A paused task says why through its stage and error; only a running one can be silently stuck.
  if (s.stage !== Stage.STAGE_INCREMENTAL || idleMs <= BLOCKED_AFTER_MS)
    return { lagSeconds, blockedSinceMs: 0n, blockedCause: '' };
  return { lagSeconds, blockedSinceMs: appliedAt, blockedCause: blockedCause(s) };
}

function blockedCause(s: TaskState): string {
  // The retrying entries carry the deadline; the cause names them briefly.
  if (s.retrying.length > 0) return s.retrying.map((r) => `${r.reporter} retrying: ${r.code} ${r.message}`).join('; ');
  const last = s.partitions.length
    ? s.partitions.reduce((a, b) => (b.committedAtMs < a.committedAtMs ? b : a))
    : undefined;
  const partition = last
    ? `sink partition ${last.partition} last committed at ${new Date(Number(last.committedAtMs)).toISOString().slice(11, 19)} UTC`
    : 'no sink partition has committed yet';
  return `no change applied and no service reports an error (${partition}): check that capture, transform and sink are running and healthy (their logs under the state directory or your deployment)`;
}
