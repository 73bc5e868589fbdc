import { AlertState } from '@tidewater/proto';
import type { AlertRule, Condition, Severity } from './conditions.js';

/** One message to every webhook of the task. */
export interface AlertMessage {
  readonly rule: AlertRule;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly summary: string;
  readonly value: number;
  readonly threshold: number;
  /** When the condition began to hold (ms). */
  readonly since: number;
  readonly at: number;
}

export interface Evaluation {
  /** The alert state to keep (task state `alerts`), in rule order. */
  readonly next: AlertState[];
  readonly messages: AlertMessage[];
}

/**
 * The alert state machine, a pure function of the rules' conditions now, the previous alert
 * state and the clock. Per rule:
 * - a condition starts holding: the entry is pending from `since`;
 * - it held for the rule's duration: the alert fires;
 * - while firing, a firing message goes out when none did within `intervalMs` (the first one
 *   and reminders share the budget: at most one per rule per interval, even across a flap);
 * - it clears while firing: a "resolved" message, only if a firing message announced it;
 * - a cleared entry is kept only until its last message is older than the interval.
 * A rule no longer configured counts as cleared. Messages come out in rule order.
 */
export function evaluateAlerts(
  conditions: readonly Condition[],
  previous: readonly AlertState[],
  now: number,
  intervalMs: number,
): Evaluation {
  const byRule = new Map(conditions.map((c) => [c.rule, c]));
  const rules = [...new Set<string>([...conditions.map((c) => c.rule), ...previous.map((p) => p.rule)])];
  const next: AlertState[] = [];
  const messages: AlertMessage[] = [];
  for (const rule of rules) {
    const prev = previous.find((p) => p.rule === rule);
    const c = byRule.get(rule as AlertRule);
    const lastSent = Number(prev?.lastSentMs ?? 0n);
    if (c?.holds) {
      const since = c.since ?? (prev && prev.sinceMs > 0n ? Number(prev.sinceMs) : now);
      const wasFiring = prev !== undefined && prev.firingSinceMs > 0n;
      const firing = wasFiring || now - since >= c.forMs;
      const due = firing && (lastSent === 0 || now - lastSent >= intervalMs);
      // The text and value are those of the last message (or of the start of firing): the
      // state is written when something happens, not on every tick as the lag moves.
      const fresh = due || (firing && !wasFiring) || !prev || prev.sinceMs === 0n;
      next.push(
        AlertState.fromPartial({
          rule,
          sinceMs: BigInt(since),
          firingSinceMs: firing ? (wasFiring ? prev.firingSinceMs : BigInt(now)) : 0n,
          lastSentMs: BigInt(due ? now : lastSent),
          announced: due || (wasFiring && prev.announced),
          ...(fresh ? shown(c) : shownPrev(prev!)),
        }),
      );
      if (due) messages.push(message(c, 'firing', since, now));
      continue;
    }
    if (!prev) continue;
    if (prev.firingSinceMs > 0n && prev.announced) {
      const since = Number(prev.sinceMs);
      messages.push(
        c
          ? message(c, 'resolved', since, now)
          : {
              rule: rule as AlertRule,
              status: 'resolved',
              severity: prev.severity as Severity,
              summary: `alert rule ${rule} is no longer configured`,
              value: prev.value,
              threshold: prev.threshold,
              since,
              at: now,
            },
      );
    }
    // Kept for the interval: a new firing right after this one does not send again at once.
    if (lastSent > 0 && now - lastSent < intervalMs)
      next.push(AlertState.fromPartial({ rule, lastSentMs: prev.lastSentMs, ...shownPrev(prev) }));
  }
  return { next, messages };
}

const shown = (c: Condition) => ({ severity: c.severity, summary: c.summary, value: c.value, threshold: c.threshold });
const shownPrev = (p: AlertState) => ({
  severity: p.severity,
  summary: p.summary,
  value: p.value,
  threshold: p.threshold,
});

function message(c: Condition, status: AlertMessage['status'], since: number, at: number): AlertMessage {
  return {
    rule: c.rule,
    status,
    severity: c.severity,
    summary: c.summary,
    value: c.value,
    threshold: c.threshold,
    since,
    at,
  };
}

/** The alerts firing in a task's alert state, for its view. */
export function firingAlerts(alerts: readonly AlertState[]) {
  return alerts
    .filter((a) => a.firingSinceMs > 0n)
    .map((a) => ({ rule: a.rule, sinceMs: a.sinceMs, severity: a.severity, summary: a.summary }));
}
