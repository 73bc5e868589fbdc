import type { TaskSpec } from '@tidewater/config';
import type { AlertState, TaskState } from '@tidewater/proto';
import type { TaskWorker } from '@tidewater/runtime';
import { specOf, type StoredTask, type TaskStore } from '@tidewater/task-state';
import { metrics, type Logger, type Metrics } from '@tidewater/telemetry';
import { lagOf } from '../lag.js';
import { ALERT_RULES, conditionsOf } from './conditions.js';
import { evaluateAlerts, type AlertMessage } from './evaluate.js';
import { post, webhookName, DELIVERY, type DeliveryOptions } from './webhook.js';

/** How often a task's alerts are evaluated besides on each of its state changes. */
export const ALERTS_EVERY_MS = 2_000;
/** State changes waiting for evaluation; past this the oldest are skipped (the latest counts). */
const MAX_QUEUED = 64;

export interface AlertDeps {
  readonly store: TaskStore;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly delivery?: DeliveryOptions;
  readonly everyMs?: number;
}

/**
 * Evaluates one task's alerts on every state change (a resume that pauses again on the same
 * DDL passes through a running state: that is a recovery, and its "resolved" goes out) and
 * every ALERTS_EVERY_MS (lag and durations grow without state changes). Messages are
 * delivered before the alert state is written to the task state, so a takeover between the
 * two may repeat a message but never loses a "resolved" (at-least-once).
 */
export function alertWorker(deps: AlertDeps, first: StoredTask): TaskWorker {
  const m = deps.metrics ?? metrics;
  const taskId = first.state.taskId;
  let alerts: AlertState[] = first.state.alerts;
  let latest = first.state;
  const queue: TaskState[] = [first.state];
  let running: Promise<void> | undefined;
  let stopped = false;

  const step = async (s: TaskState): Promise<void> => {
    const spec = specOf(s);
    const a = spec.alerts;
    const now = Date.now();
    // Scrubbed before anything keeps or sends them: the summaries reach the view and the webhooks.
    const secrets = secretsOf(spec);
    const conditions = conditionsOf(s, a?.rules ?? {}, lagOf(s, now).lagSeconds, now).map((c) => ({
      ...c,
      summary: scrub(c.summary, secrets),
    }));
    const { next, messages } = evaluateAlerts(conditions, alerts, now, (a?.interval ?? 10) * 60_000);
    await deliver(deps, spec, messages);
    for (const rule of ALERT_RULES) {
      const configured = conditions.some((c) => c.rule === rule);
      if (configured)
        m.alertsFiring.set({ task: taskId, rule }, next.some((e) => e.rule === rule && e.firingSinceMs > 0n) ? 1 : 0);
      else m.alertsFiring.remove({ task: taskId, rule });
    }
    if (same(next, alerts)) return;
    alerts = next;
    await deps.store.update(taskId, (cur) => (same(cur.alerts, next) ? undefined : { ...cur, alerts: next }));
  };

  const drain = () => {
    running ??= (async () => {
      while (!stopped && queue.length > 0) {
        const s = queue.shift()!;
        await step(s).catch((e: unknown) => deps.log.warn('alerts not evaluated', { task: taskId, err: e }));
      }
    })().finally(() => (running = undefined));
  };
  const timer = setInterval(() => {
    if (queue.length === 0) queue.push(latest);
    drain();
  }, deps.everyMs ?? ALERTS_EVERY_MS);
  timer.unref();
  drain();

  return {
    update(t) {
      latest = t.state;
      queue.push(t.state);
      if (queue.length > MAX_QUEUED) queue.splice(0, queue.length - MAX_QUEUED);
      drain();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      for (const rule of ALERT_RULES) m.alertsFiring.remove({ task: taskId, rule });
    },
  };
}

const same = (a: readonly AlertState[], b: readonly AlertState[]) => JSON.stringify(a, big) === JSON.stringify(b, big);
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

/** Every message to every webhook; a webhook that fails is logged (by position and host). */
async function deliver(deps: AlertDeps, spec: TaskSpec, messages: readonly AlertMessage[]): Promise<void> {
  const hooks = spec.alerts?.webhooks ?? [];
  if (messages.length === 0 || hooks.length === 0) return;
  await Promise.all(
    hooks.map(async (w, i) => {
      for (const msg of messages) {
        try {
          await post(w, i, spec.name, msg, deps.delivery ?? DELIVERY);
          deps.log.info('alert sent', {
            task: spec.name,
            rule: msg.rule,
            status: msg.status,
            webhook: webhookName(w, i),
          });
        } catch (e) {
          deps.log.warn('alert not delivered', { task: spec.name, err: e });
        }
      }
    }),
  );
}

/** The task's secrets: a summary quotes an error message, which must not carry one, but a webhook is a room of people. */
export function secretsOf(spec: TaskSpec): string[] {
  const hooks = spec.alerts?.webhooks ?? [];
  return [
    spec.source.password,
    spec.destination.password ?? '',
    ...hooks.flatMap((w) => [w.secret ?? '', new URL(w.url).search.slice(1), new URL(w.url).pathname]),
  ].filter((s) => s.length >= 4 && s !== '/');
}

export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}
