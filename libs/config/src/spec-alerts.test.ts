import { describe, expect, it } from 'vitest';
import { newSecretKey, openSpec, parseTaskSpec, redactSpec, sealSpec, secretKeyFromEnv } from './index.js';

const base = 'name: t\nsource: { url: "mysql://u:hunter2@h:3306" }\nobjects: [{ database: d }]\n';
const slack = 'https://hooks.slack.com/services/T1/B2/slackTokenXyz';
const ding = 'https://oapi.dingtalk.com/robot/send?access_token=dingTok123';
const withAlerts = `${base}alerts:
  webhooks:
    - { url: "${slack}", format: slack }
    - { url: "${ding}", format: dingtalk, secret: SECsigning42 }
    - { url: "http://127.0.0.1:9/hook" }
  rules: { lag: { seconds: 30, forMinutes: 5 }, failed: true, pausedByDdl: true, retrying: true, fullCopy: {} }
`;

describe('task spec: alerts', () => {
  it('is absent unless given, and fills defaults: generic format, 10-minute interval, DTS 24 h full copy', () => {
    expect(parseTaskSpec(base).alerts).toBeUndefined();
    const a = parseTaskSpec(withAlerts).alerts!;
    expect(a.interval).toBe(10);
    expect(a.webhooks.map((w) => w.format)).toEqual(['slack', 'dingtalk', 'generic']);
    expect(a.rules).toEqual({
      lag: { seconds: 30, forMinutes: 5 },
      failed: true,
      pausedByDdl: true,
      retrying: { forMinutes: 0 },
      fullCopy: { hours: 24 },
    });
  });

  it('refuses bad values naming the key and the fix, never quoting a webhook URL', () => {
    const bad = (body: string) => () => parseTaskSpec(`${base}alerts: ${body}\n`);
    expect(bad('{ webhooks: [{ url: "ftp://h/secretpath" }] }')).toThrow(/alerts\.webhooks\[0\]\.url: must be an http/);
    expect(bad('{ webhooks: [{ url: "ftp://h/secretpath" }] }')).not.toThrow(/secretpath/);
    expect(bad('{ webhooks: [{ url: "https://h", format: teams }] }')).toThrow(
      /format: must be one of generic, slack, dingtalk/,
    );
    expect(bad('{ webhooks: [{ url: "https://h", secret: s }] }')).toThrow(/secret: is a DingTalk signing secret/);
    expect(bad('{ rules: { lag: { forMinutes: 5 } } }')).toThrow(/alerts\.rules\.lag\.seconds/);
    expect(bad('{ rules: { latency: true } }')).toThrow(/alerts\.rules\.latency: unknown key/);
    expect(bad('{ interval: 0 }')).toThrow(/alerts\.interval: must be an integer from 1 to 1440/);
  });

  it('seals webhook URLs and secrets at rest, opens them, and redacts them in views', () => {
    const spec = parseTaskSpec(withAlerts);
    const key = secretKeyFromEnv({ TIDEWATER_SECRET_KEY: newSecretKey() });
    const sealed = JSON.stringify(sealSpec(spec, key));
    for (const s of ['slackTokenXyz', 'dingTok123', 'SECsigning42', 'hunter2']) expect(sealed).not.toContain(s);
    expect(openSpec(JSON.parse(sealed), key)).toEqual(spec);
    const shown = JSON.stringify(redactSpec(spec));
    for (const s of ['slackTokenXyz', 'dingTok123', 'SECsigning42', 'hunter2']) expect(shown).not.toContain(s);
    expect(redactSpec(spec).alerts!.webhooks.map((w) => [w.url, w.secret])).toEqual([
      ['https://hooks.slack.com/***', undefined],
      ['https://oapi.dingtalk.com/***', '***'],
      ['http://127.0.0.1:9/***', undefined],
    ]);
  });
});
