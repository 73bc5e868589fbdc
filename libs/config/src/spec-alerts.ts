import { z } from 'zod';
import { Bad, checkStr, int, leaf, oneOf, section } from './spec-leaves.js';
import { doc } from './spec-keydoc.js';

// `alerts:` — DTS-style alert rules of a task and the webhooks they are delivered to
// (composed in spec-schema.ts; evaluated by the coordinator, docs/alerts.md). Changeable on a
// running task. A webhook's `url` (Slack and DingTalk put their token in it) and `secret` are
// secrets: sealed at rest, `***` in task views and logs (secrets.ts, redactSpec).

export const WEBHOOK_FORMATS = ['generic', 'slack', 'dingtalk'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface WebhookSpec {
  readonly url: string;
  readonly format: WebhookFormat;
  /** DingTalk signing secret ("加签"): never shown, never logged. */
  readonly secret?: string;
}

export interface AlertRules {
  /** Replication lag above `seconds` for `forMinutes` (incremental stage). */
  readonly lag?: { readonly seconds: number; readonly forMinutes: number };
  readonly failed?: boolean;
  readonly pausedByDdl?: boolean;
  /** A service retrying a failing operation for `forMinutes`. */
  readonly retrying?: { readonly forMinutes: number };
  /** The full copy running longer than `hours`. */
  readonly fullCopy?: { readonly hours: number };
}

export interface AlertOptions {
  readonly webhooks: readonly WebhookSpec[];
  readonly rules: AlertRules;
  /** Minutes: at most one firing message per rule per interval. */
  readonly interval: number;
}

const url = leaf((v) => {
  const s = checkStr(v);
  if (s instanceof Bad) return s;
  let u: URL | undefined;
  try {
    u = new URL(s);
  } catch {
    u = undefined;
  }
  // The value is a secret (a token in its path or query): the problem never quotes it.
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:'))
    return new Bad('must be an http:// or https:// URL', (k) => `set ${k} to the webhook's URL`);
  return s;
});

const secret = leaf((v) =>
  typeof v === 'string' && v.length > 0
    ? v
    : new Bad('must be a non-empty string', (k) => `set ${k} to the robot's signing secret (SEC…), or remove it`),
).optional();

const webhook = section(
  { url, format: oneOf(WEBHOOK_FORMATS).default('generic'), secret },
  { message: 'must be a mapping', fix: 'write alerts.webhooks: [{ url: https://…, format: slack }]' },
).superRefine((w, ctx) => {
  if (w.secret !== undefined && w.format !== 'dingtalk')
    ctx.addIssue({
      code: 'custom',
      path: ['secret'],
      message: `is a DingTalk signing secret, but format is ${w.format}`,
      params: { fix: () => 'set format: dingtalk, or remove secret' },
    });
});

const minutes = (meaning: string) => doc(int(0, 1_440).default(0), { meaning });
const on = (v: unknown) => (v === true ? {} : v);
const off = { message: 'must be true or a mapping', fix: 'see docs/alerts.md' };
const flag = (meaning: string) =>
  doc(
    leaf((v) => (typeof v === 'boolean' ? v : new Bad('must be true or false', (k) => `write ${k}: true`))).optional(),
    { type: 'boolean', default: 'off', meaning },
  );

const rules = section(
  {
    lag: doc(
      section(
        {
          seconds: doc(int(1, 86_400), {
            type: 'integer',
            allowed: '1 … 86,400',
            meaning: 'Threshold: the lag (`tidewater task status`) in seconds.',
          }),
          forMinutes: minutes('How long the lag stays above `seconds` before the alert fires (0: at once).'),
        },
        { message: 'must be a mapping', fix: 'write alerts.rules.lag: { seconds: 300, forMinutes: 5 }' },
      ).optional(),
      {
        default: 'off',
        meaning:
          'Replication lag above `seconds` for `forMinutes`, while the task streams changes (incremental stage).',
      },
    ),
    failed: flag('The task failed (stage `failed`), with its error code and message.'),
    pausedByDdl: flag('The task paused on DDL it does not migrate (`TW_UNSUPPORTED_DDL`).'),
    retrying: doc(
      z
        .preprocess(
          on,
          section({ forMinutes: minutes('How long a service keeps retrying before the alert fires.') }, off),
        )
        .optional(),
      {
        type: 'true or mapping',
        default: 'off',
        meaning:
          'A service retries a failing operation (the task status shows it under "retrying") for `forMinutes`; the task fails only when its retry window ends.',
      },
    ),
    fullCopy: doc(
      z
        .preprocess(
          on,
          section({ hours: doc(int(1, 720).default(24), { meaning: 'Threshold in hours (DTS: 24).' }) }, off),
        )
        .optional(),
      {
        type: 'true or mapping',
        default: 'off',
        meaning: 'The full copy has run longer than `hours` (measured from its start).',
      },
    ),
  },
  { message: 'must be a mapping', fix: 'write alerts.rules: { failed: true, lag: { seconds: 300, forMinutes: 5 } }' },
);

const alertsSection = section(
  {
    webhooks: doc(z.array(webhook).default([]), {
      type: 'list',
      allowed: '`{url, format, secret}`; `format`: `generic`, `slack`, `dingtalk`',
      meaning:
        'Where alert messages are POSTed (JSON, 10 s timeout, 3 attempts with backoff). `generic`: `{task, rule, status, severity, summary, value, threshold, since, at}`; `slack`: an incoming webhook (`{text, blocks}`); `dingtalk`: a robot (`markdown`), signed with `secret` (`timestamp` + `sign`) when given. `url` and `secret` are secrets: sealed at rest, shown as `***`.',
    }),
    rules: doc(rules.prefault({}), { default: '', meaning: 'Which conditions alert; a rule left out is off.' }),
    interval: doc(int(1, 1_440).default(10), {
      meaning:
        'Minutes: at most one firing message per rule per interval (the first, then reminders while it fires). A "resolved" message is sent once when the condition clears.',
    }),
  },
  { message: 'must be a mapping', fix: 'write alerts: { webhooks: [{ url: … }], rules: { failed: true } }' },
);

/** The alert rules and webhooks of a task (absent: no alerts). */
export const alerts = doc(alertsSection.optional(), {
  default: 'none',
  meaning:
    'DTS-style alerts delivered by webhook ([alerts.md](alerts.md)). Changeable on a running task (`task update`).',
});
