import type { WebhookSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';
import type { AlertMessage } from './evaluate.js';
import { bodyOf, targetUrl } from './formats.js';

export interface DeliveryOptions {
  readonly timeoutMs: number;
  readonly attempts: number;
  /** Wait before the second attempt; doubled before each later one. */
  readonly backoffMs: number;
}

export const DELIVERY: DeliveryOptions = { timeoutMs: 10_000, attempts: 3, backoffMs: 1_000 };

/** How a webhook is named in logs and errors: its position and host, never its path or query (tokens). */
export function webhookName(w: WebhookSpec, index: number): string {
  try {
    return `alerts.webhooks[${index}] (${w.format}, ${new URL(w.url).host})`;
  } catch {
    return `alerts.webhooks[${index}] (${w.format})`;
  }
}

/**
 * POSTs `m` to webhook `w` as JSON, retrying a timeout, a connection error, 429 or 5xx (and a
 * DingTalk `errcode` ≠ 0) with backoff. Throws TW_ALERT_WEBHOOK after the last attempt; the
 * error names the webhook by position and host only.
 */
export async function post(
  w: WebhookSpec,
  index: number,
  task: string,
  m: AlertMessage,
  o: DeliveryOptions = DELIVERY,
): Promise<void> {
  const body = JSON.stringify(bodyOf(w.format, task, m));
  let last = '';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    if (attempt > 1) await new Promise((r) => setTimeout(r, o.backoffMs * 2 ** (attempt - 2)));
    const outcome = await once(w, body, o.timeoutMs);
    if (outcome === 'ok') return;
    last = outcome.why;
    if (!outcome.retry) break;
  }
  throw new TidewaterError(
    'TW_ALERT_WEBHOOK',
    `task ${task}: alert ${m.rule} (${m.status}) not delivered to ${webhookName(w, index)}: ${last}`,
    { subject: webhookName(w, index), fix: 'check the webhook URL and that the coordinator reaches it' },
  );
}

type Outcome = 'ok' | { readonly why: string; readonly retry: boolean };

async function once(w: WebhookSpec, body: string, timeoutMs: number): Promise<Outcome> {
  // Signed per attempt: DingTalk checks the timestamp's age.
  const url = targetUrl(w.url, w.format, w.secret, Date.now());
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (e) {
    // fetch's errors quote no URL; the cause (ECONNREFUSED, timeout) is what helps.
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { why: cause ?? (e instanceof Error ? e.name : 'request failed'), retry: true };
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) return { why: `HTTP ${res.status}`, retry: res.status === 429 || res.status >= 500 };
  if (w.format === 'dingtalk') {
    // The robot answers 200 with an errcode: 310000 for a bad signature, keyword or IP.
    const code = dingtalkErrcode(text);
    if (code !== 0) return { why: `DingTalk errcode ${code}`, retry: code === 130101 };
  }
  return 'ok';
}

function dingtalkErrcode(text: string): number {
  try {
    const v = JSON.parse(text) as { errcode?: unknown };
    return typeof v.errcode === 'number' ? v.errcode : 0;
  } catch {
    return 0;
  }
}
