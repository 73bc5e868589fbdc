import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { waitFor, type MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { WarehouseSession } from '@tidewater/duckdb-sink';
import { CheckStatus, Stage, type TaskView } from '@tidewater/proto';
import { connectBus } from '@tidewater/bus';
import { TaskStore } from '@tidewater/task-state';
import type { Stack } from './testing/stack.js';
import type { LocalRun } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';
import { jsonText as json, logText as stateLogText } from './testing/leaks.js';
import { startSecureControlPlane, type SecureControlPlane } from './testing/secure-control-plane.js';

// A password and a token that must never show up in an API answer or a log line.
const PASSWORD = `Pw-${randomBytes(6).toString('hex')}`;
const WRONG_PASSWORD = `Wrong-${randomBytes(6).toString('hex')}`;
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

let plane: SecureControlPlane;
let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let local: LocalRun;

beforeAll(async () => {
  plane = await startSecureControlPlane('tw-secret-', PASSWORD, TOKEN);
  ({ stack, local } = plane);
  ({ db, source, work } = stack);
}, 180_000);

afterAll(() => plane?.stop());

const spec = (name: string, extra: Record<string, unknown> = {}) => plane.spec(name, extra);
const logText = () => stateLogText(join(work, 'state'));

describe('control plane secrets', () => {
  it('never returns or logs the source password, even while the task retries a lost source', async () => {
    const c = local.client;
    const answers: unknown[] = [];
    const seen: TaskView[] = [];
    const watching = new AbortController();
    try {
      const created = await c.createTask(spec('sec', { retry: { connectionMinutes: 10, otherMinutes: 5 } }));
      answers.push(created);
      expect(JSON.parse(created.redactedSpecJson).source.password).toBe('***');
      void c.watchTask(created.taskId, (t) => seen.push(t), watching.signal);
      const pre = await c.runPrecheck(created.taskId);
      answers.push(pre);
      expect(pre.items.find((i) => i.name === 'destination.conflict')?.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
      answers.push(
        await c.startTask(
          created.taskId,
          pre.items.filter((i) => i.status === CheckStatus.CHECK_STATUS_WARNING).map((i) => i.name),
        ),
      );
      await waitFor(async () => (await c.getTask(created.taskId)).stage === Stage.STAGE_INCREMENTAL, {
        timeoutMs: 120_000,
        what: 'the incremental stage',
      });

      // The source goes away: the task keeps its stage and shows who retries what, until when.
      const before = Date.now();
      await db.restart!(async () => {
        const t = await waitFor(
          async () => {
            const v = await c.getTask(created.taskId);
            return v.retrying.some((r) => r.reporter === 'capture') ? v : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250, what: 'the task to show capture retrying' },
        );
        answers.push(t, await c.listTasks());
        const r = t.retrying.find((x) => x.reporter === 'capture')!;
        expect(t.stage).toBe(Stage.STAGE_INCREMENTAL);
        expect(r.code).toBe('TW_SOURCE_UNREACHABLE');
        expect(r.window).toBe('connection');
        expect(Number(r.deadlineMs) - Number(r.sinceMs)).toBe(10 * 60_000);
        expect(Number(r.sinceMs)).toBeGreaterThanOrEqual(before - 1_000);
      });
      await source.query(`UPDATE s.t SET v = 'after outage' WHERE id = 5`);
      // Back: the change made after the outage arrives and the fault clears.
      await appliedUpToNow(
        c,
        created.taskId,
        { host: db.host, port: db.port, user: db.user, password: db.password },
        90_000,
      );
      await waitFor(async () => ((await c.getTask(created.taskId)).retrying.length === 0 ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the retrying entry to clear after the source came back',
      });
      answers.push(
        await c.pauseTask(created.taskId),
        await c.resumeTask(created.taskId),
        await c.stopTask(created.taskId),
      );
      const w = await waitFor(() => WarehouseSession.open(join(work, 'sec.duckdb')), {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the sink to release the warehouse',
      });
      try {
        expect(await w.query('SELECT v FROM s.t_merged WHERE id = 5')).toEqual([['after outage']]);
      } finally {
        await w.close();
      }

      // A wrong password is reported without being echoed.
      const bad = await c.createTask(spec('secbad').replace(PASSWORD, WRONG_PASSWORD));
      const badPre = await c.runPrecheck(bad.taskId);
      answers.push(bad, badPre, await c.getTask(bad.taskId));
      expect(badPre.items[0]).toMatchObject({ name: 'source.connectivity', status: CheckStatus.CHECK_STATUS_FAILED });
      expect(json(badPre)).not.toContain(WRONG_PASSWORD);
    } finally {
      watching.abort();
    }
    answers.push(...seen);
    expect(seen.length).toBeGreaterThan(0);
    const everything = json(answers);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(TOKEN);
    const logs = logText();
    expect(logs).toContain('binlog stream interrupted');
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(WRONG_PASSWORD);
    expect(logs).not.toContain(TOKEN);
  });

  it('takes a new source password on a paused task (UpdateTask) and continues from its checkpoints; refuses other changes by name', async () => {
    const c = local.client;
    const [before, after] = [`Old-${randomBytes(6).toString('hex')}`, `New-${randomBytes(6).toString('hex')}`];
    await source.query('CREATE DATABASE u');
    await source.query('CREATE TABLE u.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(`INSERT INTO u.t SELECT seq, 'seed' FROM u.seq_1_to_300`);
    await source.query(`CREATE USER 'rot'@'%' IDENTIFIED BY '${before}'`);
    await source.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT, SHOW VIEW ON *.* TO 'rot'@'%'`);
    const path = join(work, 'rotate.duckdb');
    const base = {
      name: 'rotate',
      destination: { type: 'duckdb', path },
      migrationTypes: ['schema', 'full', 'incremental'],
      objects: [{ database: 'u' }],
    };
    const answers: unknown[] = [];
    const created = await c.createTask(
      JSON.stringify({ ...base, source: { host: db.host, port: db.port, user: 'rot', password: before } }),
    );
    answers.push(created, await c.precheckAndStart(created.taskId));
    await waitFor(
      async () => ((await c.getTask(created.taskId)).stage === Stage.STAGE_INCREMENTAL ? true : undefined),
      { timeoutMs: 120_000, what: 'the incremental stage' },
    );
    // The new credentials as a URL: the parsed source differs only in its password.
    const updated = JSON.stringify({
      ...base,
      source: { url: `mysql://rot:${encodeURIComponent(after)}@${db.host}:${db.port}` },
    });
    await expect(c.updateTask(created.taskId, updated)).rejects.toMatchObject({
      code: 'TW_TASK_STATE',
      message: expect.stringContaining('pause it first'),
    });

    answers.push(await c.pauseTask(created.taskId));
    await source.query(`ALTER USER 'rot'@'%' IDENTIFIED BY '${after}'`);
    await source.query(`INSERT INTO u.t VALUES (1001, 'while paused')`);
    const moved = JSON.stringify({
      ...JSON.parse(updated),
      objects: [{ database: 's' }],
      destination: { type: 'duckdb', path: join(work, 'elsewhere.duckdb') },
    });
    const refused = await c.updateTask(created.taskId, moved).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(refused).toMatchObject({ code: 'TW_SPEC_INVALID', message: expect.stringContaining('cannot change') });
    expect(refused!.message).toContain('objects (it decides which tables were copied)');
    expect(refused!.message).toContain('destination.path (the rows copied so far are in the current destination)');
    answers.push(refused!.message);
    const update = await c.updateTask(created.taskId, updated);
    answers.push(update);
    expect(update.changed).toEqual(['source.password']);
    expect(update.task.stage).toBe(Stage.STAGE_PAUSED);

    // At rest the new password is sealed like at creation.
    const bus = await connectBus(stack.nats.url, 'rotate-test');
    try {
      const stored = (await (await TaskStore.open(bus)).require(created.taskId)).state.specJson;
      expect(stored).not.toContain(after);
      expect(JSON.parse(stored).source.password).toMatch(/^enc:v1:/);
    } finally {
      await bus.close();
    }

    answers.push(await c.resumeTask(created.taskId));
    await source.query(`INSERT INTO u.t VALUES (1002, 'after update'), (1003, 'after update')`);
    const applied = await appliedUpToNow(
      c,
      created.taskId,
      { host: db.host, port: db.port, user: db.user, password: db.password },
      90_000,
    );
    answers.push(applied);
    // Only the three inserts: the change stream went on from its checkpoint, nothing was copied again.
    expect(applied.changesApplied).toBe(3n);
    answers.push(await c.stopTask(created.taskId));
    const w = await waitFor(() => WarehouseSession.open(path), {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the sink to release the warehouse',
    });
    try {
      expect(await w.query('SELECT count(*)::INT FROM u.t_base')).toEqual([[300]]);
      expect(await w.query('SELECT id, v FROM u.t_merged WHERE id > 1000 ORDER BY id')).toEqual([
        [1001, 'while paused'],
        [1002, 'after update'],
        [1003, 'after update'],
      ]);
    } finally {
      await w.close();
    }
    const everything = json(answers) + logText();
    expect(everything).not.toContain(before);
    expect(everything).not.toContain(after);
  });
});
