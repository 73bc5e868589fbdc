import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { Stage, type TaskView } from '@tidewater/proto';
import type { LocalRun } from './local-run.js';
import { LocalTasks } from './testing/local-tasks.js';
import { sample } from './testing/prometheus.js';
import { untilPaused, untilTask } from './testing/task-waits.js';
import { WebhookReceiver, type Received } from './testing/webhook-receiver.js';

// Alerts end to end: each rule fires against a webhook receiver and sends "resolved" once the
// task recovers — lag under a throttled change stream (alerts added to the running task),
// a pause on unsupported DDL, a failure in the schema stage. Slack and DingTalk bodies are
// checked (the DingTalk signature verified), and no payload carries a secret.

const PASSWORD = 'Al3rt-Src-Pw-9';
const SLACK_TOKEN = 'T0K3N-slack-path';
const DING_TOKEN = 'ding-access-t0ken';
const DING_SECRET = 'SECding-signing-s3cret';

let tasks: LocalTasks;
let db: MariaDbServer;
let source: SourceClient;
let local: LocalRun;
let rx: WebhookReceiver;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // /metrics per service, for tidewater_alerts_firing and tidewater_task_stage.
  process.env.TIDEWATER_METRICS_PORT_BASE = String(await freePort());
  [tasks, rx] = await Promise.all([LocalTasks.start('tw-alerts-'), WebhookReceiver.start()]);
  ({ local } = tasks);
  ({ db, source } = tasks.stack);
  // A source password that an error text could quote: it must reach no webhook.
  await source.query(`CREATE USER 'alertu'@'%' IDENTIFIED BY '${PASSWORD}'`);
  await source.query(`GRANT ALL PRIVILEGES ON *.* TO 'alertu'@'%'`);
}, 120_000);

afterAll(async () => {
  await tasks?.stop();
  await rx?.close();
  process.env = savedEnv;
});

/** The coordinator's /metrics text. */
async function coordinatorMetrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${local.metricsPorts.get('coordinator')}/metrics`)).text();
}

/** A task of database `name` read as `alertu`, with `alerts` (rules) delivered to the receiver's three formats. */
function spec(name: string, rules: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}): string {
  const s = JSON.parse(tasks.spec(name, { objects: [{ database: name }], ...extra })) as Record<string, unknown>;
  return JSON.stringify({
    ...s,
    source: { host: db.host, port: db.port, user: 'alertu', password: PASSWORD },
    ...(rules ? { alerts: alertsOf(name, rules) } : {}),
  });
}

const alertsOf = (name: string, rules: Record<string, unknown>) => ({
  webhooks: [
    { url: `${rx.url}/g/${name}` },
    { url: `${rx.url}/s/${name}/${SLACK_TOKEN}`, format: 'slack' },
    { url: `${rx.url}/d/${name}?access_token=${DING_TOKEN}`, format: 'dingtalk', secret: DING_SECRET },
  ],
  rules,
  interval: 1,
});

const generic = (name: string, rule: string, status: string, what: string): Promise<Received> =>
  rx.until(`/g/${name}`, (r) => r.json.rule === rule && r.json.status === status, what);

async function table(name: string, ddl = 'id INT PRIMARY KEY, v INT'): Promise<void> {
  await source.query(`CREATE DATABASE ${name}`);
  await source.query(`CREATE TABLE ${name}.t (${ddl})`);
}

describe('alerts to webhooks end to end', () => {
  it('lag: fires above the threshold under a throttled stream, shows in the task view and WatchTask, resolves once the throttle is lifted', async () => {
    await table('al_lag');
    await source.query('INSERT INTO al_lag.t SELECT seq, seq FROM al_lag.seq_1_to_100');
    const t = await tasks.start(spec('al_lag', undefined, { throttle: { incremental: { rps: 10 } } }));
    await tasks.until(t.taskId, Stage.STAGE_INCREMENTAL);
    await tasks.caughtUp(t.taskId);
    // Alerts added to the running task (UpdateTask needs no pause for them).
    const updated = await local.client.updateTask(
      t.taskId,
      spec('al_lag', { lag: { seconds: 3, forMinutes: 0 } }, { throttle: { incremental: { rps: 10 } } }),
    );
    expect(updated.changed).toEqual(['alerts']);
    expect(updated.task.stage).toBe(Stage.STAGE_INCREMENTAL);
    expect(updated.task.redactedSpecJson).not.toContain(SLACK_TOKEN);
    const watched: TaskView[] = [];
    const watch = new AbortController();
    void local.client.watchTask(t.taskId, (v) => watched.push(v), watch.signal).catch(() => undefined);
    // One row per transaction, far faster than 10 rows/s: the stream falls behind.
    for (let i = 0; i < 200; i++) await source.query(`INSERT INTO al_lag.t VALUES (${1000 + i}, ${i})`);
    const fired = await generic('al_lag', 'lag', 'firing', 'the lag alert to fire');
    expect(fired.json).toMatchObject({ task: 'al_lag', severity: 'warning', threshold: 3 });
    expect(fired.json.value as number).toBeGreaterThan(3);
    const view = await untilTask(local.client, t.taskId, (v) => v.alerts.some((a) => a.rule === 'lag'), {
      timeoutMs: 30_000,
      what: 'the task view to show the lag alert',
    });
    expect(view.alerts.find((a) => a.rule === 'lag')!.summary).toMatch(/replication lag .* is above 3 s/);
    await untilTask(local.client, t.taskId, () => watched.some((v) => v.alerts.some((a) => a.rule === 'lag')), {
      timeoutMs: 30_000,
      what: 'WatchTask to send a view with the lag alert',
    });
    await local.client.setThrottle(t.taskId, {
      fullQps: 0,
      fullRps: 0,
      fullMbps: 0,
      incrementalRps: 0,
      incrementalMbps: 0,
    });
    await tasks.caughtUp(t.taskId);
    const resolved = await generic('al_lag', 'lag', 'resolved', 'the lag alert to resolve');
    expect(resolved.json.since).toBe(fired.json.since);
    // The alert state is written after the message is sent (at least once): the view follows.
    await untilTask(local.client, t.taskId, (v) => v.alerts.length === 0, {
      timeoutMs: 30_000,
      what: 'the task view to drop the resolved lag alert',
    });
    watch.abort();

    // The same messages in Slack's and DingTalk's shapes, the DingTalk ones signed.
    const slack = await rx.until(`/s/al_lag/${SLACK_TOKEN}`, (r) => /\[RESOLVED\]/.test(String(r.json.text)), 'slack');
    expect(rx.at(`/s/al_lag/${SLACK_TOKEN}`)[0]!.json.text).toContain('[FIRING] tidewater task al_lag: lag');
    expect(Array.isArray(slack.json.blocks)).toBe(true);
    const ding = await rx.until('/d/al_lag', (r) => r.json.msgtype === 'markdown', 'dingtalk');
    expect((ding.json.markdown as { title: string }).title).toBe('[FIRING] tidewater task al_lag: lag');
    expect(ding.query.get('access_token')).toBe(DING_TOKEN);
    const ts = ding.query.get('timestamp')!;
    expect(Math.abs(Number(ts) - Date.now())).toBeLessThan(3_600_000);
    expect(ding.query.get('sign')).toBe(
      createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64'),
    );
    expect(ding.contentType).toContain('application/json');
    await local.client.stopTask(t.taskId);
  });

  it('pausedByDdl: fires when unsupported DDL pauses the task, resolves when it is resumed', async () => {
    await table('al_ddl');
    await source.query('INSERT INTO al_ddl.t SELECT seq, seq FROM al_ddl.seq_1_to_50');
    const t = await tasks.start(spec('al_ddl', { pausedByDdl: true, failed: true }));
    await tasks.until(t.taskId, Stage.STAGE_INCREMENTAL);
    await tasks.caughtUp(t.taskId);
    await source.query('ALTER TABLE al_ddl.t DROP COLUMN v');
    await untilPaused(local.client, t.taskId, 'the task to pause on DROP COLUMN');
    const fired = await generic('al_ddl', 'pausedByDdl', 'firing', 'the pausedByDdl alert to fire');
    expect(fired.json).toMatchObject({ severity: 'critical' });
    expect(fired.json.summary).toContain('ALTER TABLE al_ddl.t DROP COLUMN v');
    // Resuming runs the task again (it meets the statement again and pauses anew: a new alert,
    // held back by the interval), so the first one is resolved.
    await local.client.resumeTask(t.taskId);
    await generic('al_ddl', 'pausedByDdl', 'resolved', 'the pausedByDdl alert to resolve on resume');
    expect(rx.at('/g/al_ddl').filter((r) => r.json.rule === 'failed')).toEqual([]);
    await untilPaused(local.client, t.taskId, 'the task to pause again');
    await local.client.stopTask(t.taskId);
  });

  it('failed: fires when the schema stage fails, resolves once the cause is fixed and the task resumed', async () => {
    await table('al_fail', 'id INT PRIMARY KEY, u UUID');
    await source.query('INSERT INTO al_fail.t VALUES (1, UUID())');
    // No change stream: the fix below is DDL, which a change stream would pause on.
    const t = await tasks.start(
      spec('al_fail', { failed: true, pausedByDdl: true }, { migrationTypes: ['schema', 'full'] }),
    );
    const failed = await untilTask(local.client, t.taskId, (v) => v.stage === Stage.STAGE_FAILED, {
      timeoutMs: 60_000,
      what: 'the task to fail on the UUID column',
    });
    expect(failed.errorCode).toBe('TW_UNSUPPORTED_TYPE');
    const fired = await generic('al_fail', 'failed', 'firing', 'the failed alert to fire');
    expect(fired.json.summary).toContain('TW_UNSUPPORTED_TYPE');
    expect((await local.client.getTask(t.taskId)).alerts.map((a) => a.rule)).toEqual(['failed']);
    const firing = await coordinatorMetrics();
    expect(sample(firing, 'tidewater_alerts_firing', { task: 'al_fail', rule: 'failed' })).toBe(1);
    expect(sample(firing, 'tidewater_alerts_firing', { task: 'al_fail', rule: 'pausedByDdl' })).toBe(0);
    const stage = { task: 'al_fail', stage: 'failed', code: 'TW_UNSUPPORTED_TYPE' };
    expect(sample(firing, 'tidewater_task_stage', stage)).toBe(1);
    expect(firing).not.toContain(PASSWORD);
    await source.query('ALTER TABLE al_fail.t MODIFY u CHAR(36)');
    await local.client.resumeTask(t.taskId);
    await generic('al_fail', 'failed', 'resolved', 'the failed alert to resolve');
    await waitFor(
      async () =>
        sample(await coordinatorMetrics(), 'tidewater_alerts_firing', { task: 'al_fail', rule: 'failed' }) === 0 ||
        undefined,
      { timeoutMs: 30_000, what: 'tidewater_alerts_firing to fall to 0' },
    );
    await tasks.until(t.taskId, Stage.STAGE_COMPLETED);
  });

  it('no payload carries a secret: the source password, the DingTalk secret or a webhook token', () => {
    expect(rx.received.length).toBeGreaterThanOrEqual(12);
    for (const r of rx.received)
      for (const secret of [PASSWORD, DING_SECRET, SLACK_TOKEN, DING_TOKEN]) expect(r.raw).not.toContain(secret);
  });
});
