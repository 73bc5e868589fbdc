import type { AlertRules } from '@tidewater/config';
import { Stage, type TaskState } from '@tidewater/proto';

export const ALERT_RULES = ['lag', 'failed', 'pausedByDdl', 'retrying', 'fullCopy'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];
export type Severity = 'critical' | 'warning';

/** Whether one configured rule's condition holds in a task state, and how to say so. */
export interface Condition {
  readonly rule: AlertRule;
  readonly holds: boolean;
  /**
   * When the condition began, where the task state records it (a retrying fault's start, the
   * full copy's start): then the duration counts from there, also across a takeover. Unset:
   * from when the evaluator first saw it hold (kept in the alert state).
   */
  readonly since?: number;
  /** How long it must hold before the alert fires. */
  readonly forMs: number;
  readonly severity: Severity;
  readonly value: number;
  readonly threshold: number;
  readonly summary: string;
}

const MINUTE = 60_000;
/** Error messages reach chat rooms: one screenful at most. */
const MAX_CAUSE = 400;
const cut = (s: string) => (s.length > MAX_CAUSE ? `${s.slice(0, MAX_CAUSE - 1)}…` : s);
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * The conditions of the rules `rules` turns on, for task state `s` whose lag as of `now` is
 * `lagSeconds` (lagOf, L1). Error texts come from the task state, which holds them redacted.
 */
export function conditionsOf(s: TaskState, rules: AlertRules, lagSeconds: number, now: number): Condition[] {
  const out: Condition[] = [];
  if (rules.lag) {
    const { seconds, forMinutes } = rules.lag;
    // A paused or failed task says so through its own rules; lag alerts a task that streams.
    const holds = s.stage === Stage.STAGE_INCREMENTAL && lagSeconds > seconds;
    out.push({
      rule: 'lag',
      holds,
      forMs: forMinutes * MINUTE,
      severity: 'warning',
      value: round(lagSeconds),
      threshold: seconds,
      summary: holds
        ? `replication lag ${round(lagSeconds)} s is above ${seconds} s`
        : `replication lag ${round(lagSeconds)} s is back under ${seconds} s`,
    });
  }
  if (rules.failed) {
    const holds = s.stage === Stage.STAGE_FAILED;
    out.push({
      rule: 'failed',
      holds,
      forMs: 0,
      severity: 'critical',
      value: holds ? 1 : 0,
      threshold: 1,
      summary: holds ? cut(`task failed: ${s.errorCode}: ${s.errorMessage}`) : 'task no longer failed',
    });
  }
  if (rules.pausedByDdl) {
    const holds = s.stage === Stage.STAGE_PAUSED && s.errorCode === 'TW_UNSUPPORTED_DDL';
    out.push({
      rule: 'pausedByDdl',
      holds,
      forMs: 0,
      severity: 'critical',
      value: holds ? 1 : 0,
      threshold: 1,
      summary: holds ? cut(`task paused by DDL: ${s.errorMessage}`) : 'task no longer paused by DDL',
    });
  }
  if (rules.retrying) {
    const open = s.retrying.filter((r) => r.sinceMs > 0n);
    const since = open.length ? Math.min(...open.map((r) => Number(r.sinceMs))) : undefined;
    const holds =
      since !== undefined &&
      (s.stage === Stage.STAGE_SCHEMA || s.stage === Stage.STAGE_FULL || s.stage === Stage.STAGE_INCREMENTAL);
    out.push({
      rule: 'retrying',
      holds,
      ...(holds ? { since } : {}),
      forMs: rules.retrying.forMinutes * MINUTE,
      severity: 'warning',
      value: holds ? round((now - since!) / MINUTE) : 0,
      threshold: rules.retrying.forMinutes,
      summary: holds
        ? cut(`retrying: ${open.map((r) => `${r.reporter} ${r.code}: ${r.message}`).join('; ')}`)
        : 'no service retrying any more',
    });
  }
  if (rules.fullCopy) {
    const started = Number(s.fullStartedAtMs);
    const holds = s.stage === Stage.STAGE_FULL && started > 0;
    const hours = holds ? (now - started) / 3_600_000 : 0;
    out.push({
      rule: 'fullCopy',
      holds,
      ...(holds ? { since: started } : {}),
      forMs: rules.fullCopy.hours * 3_600_000,
      severity: 'warning',
      value: round(hours),
      threshold: rules.fullCopy.hours,
      summary: holds
        ? `full copy running for ${round(hours)} h (threshold ${rules.fullCopy.hours} h)`
        : 'full copy no longer running',
    });
  }
  return out;
}
