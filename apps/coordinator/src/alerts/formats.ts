import { createHmac } from 'node:crypto';
import type { WebhookFormat } from '@tidewater/config';
import type { AlertMessage } from './evaluate.js';

// The bodies of an alert message per webhook format. Every text here comes from the alert
// message, whose summary the runner has already scrubbed of the task's secrets.

const iso = (ms: number) => new Date(ms).toISOString();
const headline = (task: string, m: AlertMessage) =>
  `[${m.status === 'firing' ? 'FIRING' : 'RESOLVED'}] tidewater task ${task}: ${m.rule}`;

/** `generic`: the message as it is, for any receiver. */
export function genericBody(task: string, m: AlertMessage) {
  return {
    task,
    rule: m.rule,
    status: m.status,
    severity: m.severity,
    summary: m.summary,
    value: m.value,
    threshold: m.threshold,
    since: iso(m.since),
    at: iso(m.at),
  };
}

/** `slack`: an incoming webhook's `{text, blocks}` (text is the notification's fallback). */
export function slackBody(task: string, m: AlertMessage) {
  const icon =
    m.status === 'resolved' ? ':white_check_mark:' : m.severity === 'critical' ? ':rotating_light:' : ':warning:';
  const text = `${icon} ${headline(task, m)} — ${m.summary}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${icon} *${headline(task, m)}*\n${m.summary}` } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `severity ${m.severity} · value ${m.value} · threshold ${m.threshold} · since ${iso(m.since)} · at ${iso(m.at)}`,
          },
        ],
      },
    ],
  };
}

/** `dingtalk`: a custom robot's markdown message. */
export function dingtalkBody(task: string, m: AlertMessage) {
  const title = headline(task, m);
  const text = [
    `### ${title}`,
    '',
    m.summary,
    '',
    `- severity: ${m.severity}`,
    `- value: ${m.value} (threshold ${m.threshold})`,
    `- since: ${iso(m.since)}`,
    `- at: ${iso(m.at)}`,
  ].join('\n');
  return { msgtype: 'markdown', markdown: { title, text } };
}

export function bodyOf(format: WebhookFormat, task: string, m: AlertMessage): unknown {
  if (format === 'slack') return slackBody(task, m);
  if (format === 'dingtalk') return dingtalkBody(task, m);
  return genericBody(task, m);
}

/**
 * DingTalk's signature ("加签"): `sign` = Base64(HMAC-SHA256(key = secret, data =
 * `${timestamp}\n${secret}`)), sent URL-encoded with `timestamp` (ms) as query parameters;
 * the robot refuses a timestamp more than an hour off.
 */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

/** The URL to POST to: DingTalk's with `timestamp` and `sign` when the webhook has a secret. */
export function targetUrl(url: string, format: WebhookFormat, secret: string | undefined, now: number): string {
  if (format !== 'dingtalk' || secret === undefined) return url;
  const u = new URL(url);
  u.searchParams.set('timestamp', String(now));
  u.searchParams.set('sign', dingtalkSign(secret, now));
  return u.toString();
}
