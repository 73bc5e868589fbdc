import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import type { TaskSpec } from '@tidewater/config';
import type { AlertMessage } from './evaluate.js';
import { bodyOf, dingtalkSign, targetUrl } from './formats.js';
import { post } from './webhook.js';
import { scrub, secretsOf } from './alert-worker.js';

const msg: AlertMessage = {
  rule: 'lag',
  status: 'firing',
  severity: 'warning',
  summary: 'replication lag 42 s is above 30 s',
  value: 42,
  threshold: 30,
  since: Date.UTC(2026, 0, 1, 10),
  at: Date.UTC(2026, 0, 1, 10, 5),
};
const fast = { timeoutMs: 2_000, attempts: 3, backoffMs: 10 };

interface Hit {
  readonly url: string;
  readonly body: string;
  readonly type: string | undefined;
}
let server: Server;
let base: string;
const hits: Hit[] = [];
/** Answers per path: `/fail-once` 503 then 200, `/down` always 500, `/bad` 400, `/ding` a robot's errcode. */
const failed = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ url: req.url!, body, type: req.headers['content-type'] });
      const path = req.url!.split('?')[0]!;
      if (path === '/fail-once' && !failed.has(path)) {
        failed.add(path);
        res.writeHead(503).end();
      } else if (path === '/down') res.writeHead(500).end();
      else if (path === '/bad') res.writeHead(400).end();
      else if (path === '/ding-refuses') res.writeHead(200).end('{"errcode":310000,"errmsg":"sign not match"}');
      else res.writeHead(200).end('{"errcode":0}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('alert webhook formats', () => {
  it('generic carries the message fields with ISO times', () => {
    expect(bodyOf('generic', 'shop', msg)).toEqual({
      task: 'shop',
      rule: 'lag',
      status: 'firing',
      severity: 'warning',
      summary: 'replication lag 42 s is above 30 s',
      value: 42,
      threshold: 30,
      since: '2026-01-01T10:00:00.000Z',
      at: '2026-01-01T10:05:00.000Z',
    });
  });

  it('slack is {text, blocks}; dingtalk is a markdown message', () => {
    const s = bodyOf('slack', 'shop', { ...msg, status: 'resolved' }) as { text: string; blocks: unknown[] };
    expect(s.text).toContain('[RESOLVED] tidewater task shop: lag');
    expect(s.blocks).toHaveLength(2);
    const d = bodyOf('dingtalk', 'shop', msg) as { msgtype: string; markdown: { title: string; text: string } };
    expect(d.msgtype).toBe('markdown');
    expect(d.markdown.title).toBe('[FIRING] tidewater task shop: lag');
    expect(d.markdown.text).toContain('replication lag 42 s is above 30 s');
  });

  it('signs DingTalk URLs as its docs say: base64 HMAC-SHA256 of "timestamp\\nsecret", URL-encoded', () => {
    const secret = 'SEC0123456789abcdef';
    const ts = 1_700_000_000_123;
    const expected = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    expect(dingtalkSign(secret, ts)).toBe(expected);
    const u = new URL(targetUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'dingtalk', secret, ts));
    expect(u.searchParams.get('access_token')).toBe('abc');
    expect(u.searchParams.get('timestamp')).toBe(String(ts));
    expect(u.searchParams.get('sign')).toBe(expected);
    expect(u.search).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(targetUrl('https://x.test/h', 'slack', undefined, ts)).toBe('https://x.test/h');
  });
});

describe('alert webhook delivery', () => {
  it('POSTs JSON and retries a 5xx', async () => {
    hits.length = 0;
    await post({ url: `${base}/fail-once`, format: 'generic' }, 0, 'shop', msg, fast);
    expect(hits.map((h) => h.url)).toEqual(['/fail-once', '/fail-once']);
    expect(hits[1]!.type).toContain('application/json');
    expect(JSON.parse(hits[1]!.body)).toMatchObject({ task: 'shop', rule: 'lag', status: 'firing' });
  });

  it('gives up after the attempts, and not retrying a 4xx; the error names the webhook by position and host only', async () => {
    hits.length = 0;
    const token = 'T0K3N-in-the-path';
    const down = post({ url: `${base}/down?token=${token}`, format: 'slack' }, 2, 'shop', msg, fast);
    const e = await down.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TidewaterError);
    expect((e as TidewaterError).code).toBe('TW_ALERT_WEBHOOK');
    expect((e as TidewaterError).message).toContain('alerts.webhooks[2] (slack, 127.0.0.1:');
    expect((e as TidewaterError).message).toContain('HTTP 500');
    expect(JSON.stringify(e)).not.toContain(token);
    expect(hits).toHaveLength(3);
    hits.length = 0;
    await expect(post({ url: `${base}/bad`, format: 'generic' }, 0, 'shop', msg, fast)).rejects.toThrow(/HTTP 400/);
    expect(hits).toHaveLength(1);
  });

  it('treats a DingTalk errcode as a failure and sends timestamp and sign', async () => {
    hits.length = 0;
    const w = { url: `${base}/ding-refuses?access_token=abc`, format: 'dingtalk' as const, secret: 'SECxyz-signing' };
    await expect(post(w, 0, 'shop', msg, fast)).rejects.toThrow(/DingTalk errcode 310000/);
    const u = new URL(hits[0]!.url, base);
    expect(dingtalkSign(w.secret, Number(u.searchParams.get('timestamp')))).toBe(u.searchParams.get('sign'));
    expect(hits[0]!.body).not.toContain(w.secret);
  });

  it('a refused connection is retried and reported by its cause', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(post({ url: `http://127.0.0.1:${port}/x`, format: 'generic' }, 0, 'shop', msg, fast)).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});

describe('secrets in alert texts', () => {
  it("scrubs the task's passwords, webhook secrets and webhook tokens from a summary", () => {
    const spec = {
      name: 'shop',
      source: { host: 'h', port: 3306, user: 'u', password: 'src-Pa55' },
      destination: { type: 'postgres', path: '', url: 'postgres://u@h/d', password: 'dst-Pa55' },
      alerts: {
        interval: 10,
        rules: {},
        webhooks: [
          { url: 'https://hooks.slack.com/services/T1/B2/XyZsecret', format: 'slack' },
          { url: 'https://oapi.dingtalk.com/robot/send?access_token=tok123', format: 'dingtalk', secret: 'SECsign' },
        ],
      },
    } as unknown as TaskSpec;
    const text = 'failed: src-Pa55 dst-Pa55 /services/T1/B2/XyZsecret access_token=tok123 SECsign';
    const out = scrub(text, secretsOf(spec));
    for (const s of ['src-Pa55', 'dst-Pa55', 'XyZsecret', 'tok123', 'SECsign']) expect(out).not.toContain(s);
    expect(out).toMatch(/^failed: \*\*\* \*\*\*/);
  });
});
