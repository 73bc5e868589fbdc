import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mariaDbTlsArgs,
  startMariaDb,
  tlsCertificates,
  type MariaDbServer,
  type TestCertificates,
} from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { CheckStatus, Stage, type PrecheckItem } from '@tidewater/proto';
import { LocalTasks } from './testing/local-tasks.js';
import { specText } from './testing/specs.js';

// source.tls against real servers: a MariaDB with TLS (certificates made here by openssl) and
// one without. The task's account on the TLS server is REQUIRE SSL, so the server itself
// refuses any connection of the task that is not encrypted; performance_schema shows the
// binlog dump thread's session as TLS too.

let tasks: LocalTasks;
let tlsDb: MariaDbServer;
let plainDb: MariaDbServer;
let root: SourceClient;
let certs: TestCertificates;

const TASK_USER = { user: 'tw_tls', password: 'Tls-pw-4821' };

beforeAll(async () => {
  certs = tlsCertificates(mkdtempSync(join(tmpdir(), 'tw-source-tls-certs-')));
  tasks = await LocalTasks.start('tw-source-tls-', {
    extraArgs: [...mariaDbTlsArgs(certs), '--performance-schema=ON'],
  });
  ({ db: tlsDb, source: root } = tasks.stack);
  plainDb = await startMariaDb();
  await root.query(`CREATE USER '${TASK_USER.user}'@'127.0.0.1' IDENTIFIED BY '${TASK_USER.password}' REQUIRE SSL`);
  await root.query(`GRANT ALL PRIVILEGES ON *.* TO '${TASK_USER.user}'@'127.0.0.1'`);
}, 180_000);

afterAll(async () => {
  await plainDb?.stop();
  await tasks?.stop();
});

const item = (items: readonly PrecheckItem[], name: string) => items.find((i) => i.name === name);

/** A task spec on `db` as `user` with `tls`. */
function spec(name: string, db: MariaDbServer, tls: Record<string, unknown>, body: Record<string, unknown> = {}) {
  const base = JSON.parse(specText(name, db, join(tasks.stack.work, `${name}.duckdb`), body)) as {
    source: Record<string, unknown>;
  };
  base.source = { ...base.source, ...(db === tlsDb ? TASK_USER : {}), tls };
  return JSON.stringify(base);
}

async function precheck(text: string) {
  const t = await tasks.local.client.createTask(text);
  return { taskId: t.taskId, ...(await tasks.local.client.runPrecheck(t.taskId)) };
}

describe('source TLS', () => {
  it('verify-full: a full + incremental task runs with every connection encrypted, the binlog stream too', async () => {
    await root.query('CREATE DATABASE sec');
    await root.query('CREATE TABLE sec.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await root.query(`INSERT INTO sec.t SELECT seq, CONCAT('v', seq) FROM sec.seq_1_to_2000`);
    const text = spec('sectls', tlsDb, { mode: 'verify-full', ca: certs.ca }, { objects: [{ database: 'sec' }] });
    const created = await tasks.local.client.createTask(text);
    const { task, items } = await tasks.local.client.precheckAndStart(created.taskId);
    expect(item(items, 'source.tls')).toMatchObject({ status: CheckStatus.CHECK_STATUS_PASSED });
    expect(item(items, 'source.tls')!.message).toMatch(
      /^connected over TLSv1\.[23] \(\S+\), source\.tls\.mode verify-full$/,
    );
    await tasks.until(task.taskId, Stage.STAGE_INCREMENTAL);
    await root.query(`INSERT INTO sec.t VALUES (5001, 'after full')`);
    await root.query(`UPDATE sec.t SET v = 'changed' WHERE id <= 10`);
    await tasks.caughtUp(task.taskId);

    // The server's view of the task's sessions (the account only connects over TLS anyway).
    const sessions = await root.query(
      `SELECT t.PROCESSLIST_COMMAND, s.VARIABLE_VALUE
         FROM performance_schema.threads t JOIN performance_schema.status_by_thread s ON s.THREAD_ID = t.THREAD_ID
        WHERE t.PROCESSLIST_USER = ? AND s.VARIABLE_NAME = 'Ssl_version'`,
      [TASK_USER.user],
    );
    const commands = sessions.map((r) => String(r[0]));
    expect(commands).toContain('Binlog Dump');
    for (const r of sessions) expect(String(r[1])).toMatch(/^TLSv1\.[23]$/);

    const w = await tasks.stopAndOpen(task.taskId);
    try {
      expect(await w.query('SELECT count(*)::INT FROM sec.t_base')).toEqual([[2000]]);
      expect(await w.query(`SELECT count(*)::INT FROM sec.t_merged WHERE v = 'changed' OR id = 5001`)).toEqual([[11]]);
    } finally {
      await w.close();
    }
  });

  it('a CA that did not sign the server certificate fails, naming the CA file and the fix', async () => {
    const r = await precheck(
      spec('wrongca', tlsDb, { mode: 'verify-ca', ca: certs.wrongCa }, { objects: [{ database: 'sec' }] }),
    );
    expect(r.passed).toBe(false);
    const tls = item(r.items, 'source.tls')!;
    expect(tls.status).toBe(CheckStatus.CHECK_STATUS_FAILED);
    expect(tls.message).toContain(`source.tls.ca ${certs.wrongCa}`);
    expect(tls.message).toMatch(/self-signed certificate in certificate chain|unable to verify/);
    expect(tls.fix).toContain(`set source.tls.ca to the CA that signed the server's certificate`);
    expect(`${tls.message} ${tls.fix}`).not.toContain(TASK_USER.password);
  });

  it('required against a server without TLS fails with the fix; preferred connects in plain', async () => {
    const plain = await openSource({ host: plainDb.host, port: plainDb.port, user: plainDb.user, password: '' });
    await plain.query('CREATE DATABASE p');
    await plain.query('CREATE TABLE p.t (id INT PRIMARY KEY)');
    const onPlain = { objects: [{ database: 'p' }] };
    const required = await precheck(spec('plainreq', plainDb, { mode: 'required' }, onPlain));
    expect(item(required.items, 'source.tls')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: `the source ${plainDb.host}:${plainDb.port} does not offer TLS, and source.tls.mode is required`,
    });
    expect(item(required.items, 'source.tls')!.fix).toMatch(
      /enable TLS on the server .*or set source\.tls\.mode: preferred/,
    );

    const preferred = await precheck(spec('plainpref', plainDb, { mode: 'preferred' }, onPlain));
    expect(item(preferred.items, 'source.connectivity')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(item(preferred.items, 'source.tls')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_PASSED,
      message: 'not encrypted: the source offers no TLS (source.tls.mode preferred allows plain)',
    });
    try {
      expect(await plain.query("SHOW SESSION STATUS LIKE 'Ssl_version'")).toEqual([['Ssl_version', '']]);
    } finally {
      await plain.close();
    }
  });

  it('verify-full checks the IP too: a certificate naming only localhost is refused at 127.0.0.1, taken at localhost', async () => {
    const named = tlsCertificates(mkdtempSync(join(tmpdir(), 'tw-source-tls-named-')), { names: ['DNS:localhost'] });
    await using db = await startMariaDb({ extraArgs: mariaDbTlsArgs(named) });
    const conn = (host: string) => ({
      host,
      port: db.port,
      user: db.user,
      password: db.password,
      tls: { mode: 'verify-full' as const, ca: named.ca },
    });
    const refused = await openSource(conn('127.0.0.1')).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e as { code: string; details: { fix: string }; message: string },
    );
    expect(refused).toMatchObject({ code: 'TW_SOURCE_TLS' });
    expect(refused!.message).toContain('IP: 127.0.0.1 is not in the cert');
    expect(refused!.details.fix).toMatch(/does not name 127\.0\.0\.1.*or use source\.tls\.mode: verify-ca/);
    const byName = await openSource(conn('localhost'));
    try {
      expect((await byName.query("SHOW SESSION STATUS LIKE 'Ssl_version'"))[0]![1]).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await byName.close();
    }
  });
});
