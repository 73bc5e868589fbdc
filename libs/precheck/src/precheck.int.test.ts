import { describe, expect, it } from 'vitest';
import { startMariaDb, startNats } from '@tidewater/testkit';
import { connectBus, describeBus, MAX_MESSAGE_BYTES, type Bus } from '@tidewater/bus';
import { openSource } from '@tidewater/mysql-source';
import { CheckStatus } from '@tidewater/proto';
import { validateTaskSpec } from '@tidewater/config';
import { TidewaterError } from '@tidewater/errors';
import { requireIncrementalReady, runPrecheck } from './index.js';

async function attempt(opts: Parameters<typeof startMariaDb>[0]): Promise<unknown> {
  await using db = await startMariaDb(opts);
  const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await requireIncrementalReady(source, `${db.host}:${db.port}`);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await source.close();
  }
}

describe('incremental precheck against real servers', () => {
  it('accepts the kit default (ROW, FULL, 7 days)', async () => {
    expect(await attempt({})).toBeUndefined();
  });
  it('refuses a server without the binary log', async () => {
    const e = (await attempt({ binlog: false })) as { code: string; describe(): string };
    expect(e.code).toBe('TW_BINLOG_CONFIG');
    expect(e.describe()).toMatch(/log_bin is OFF[\s\S]*enable the binary log/);
  });
  it('refuses binlog_format=STATEMENT', async () => {
    const e = (await attempt({ extraArgs: ['--binlog-format=STATEMENT'] })) as { describe(): string };
    expect(e.describe()).toMatch(/binlog_format is STATEMENT[\s\S]*binlog_format = ROW/);
  });
  it('refuses binlog retention under 3 days', async () => {
    const e = (await attempt({ extraArgs: ['--expire-logs-days=1'] })) as { describe(): string };
    expect(e.describe()).toMatch(/binary logs are kept 1.0 days[\s\S]*at least 3 days/);
  });
  it('refuses binlog_row_image=MINIMAL', async () => {
    const e = (await attempt({ extraArgs: ['--binlog-row-image=MINIMAL'] })) as { describe(): string };
    expect(e.describe()).toMatch(/binlog_row_image is MINIMAL[\s\S]*binlog_row_image = FULL/);
  });
});

describe('task precheck items against a real MariaDB', () => {
  it('reports each item passed or failed with its fix', async () => {
    await using db = await startMariaDb();
    const root = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
    try {
      await root.query('CREATE DATABASE p');
      await root.query('CREATE TABLE p.ok (id INT PRIMARY KEY, record_id INT)');
      await root.query('CREATE TABLE p.nokey (a INT, b INT)');
      await root.query("CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'Rd-pw-123'");
      await root.query("GRANT SELECT ON p.* TO 'reader'@'127.0.0.1'");
    } finally {
      await root.close();
    }
    const base = { host: db.host, port: db.port };
    const spec = (user: string, password: string, tables: string[], extra: Record<string, unknown> = {}) =>
      validateTaskSpec({
        name: 'p',
        source: { ...base, user, password },
        migrationTypes: ['schema', 'full', 'incremental'],
        objects: [{ database: 'p', tables }],
        ...extra,
      });
    const byName = (items: { name: string; status: CheckStatus; fix: string; message: string }[]) =>
      new Map(items.map((i) => [i.name, i]));

    const rootItems = byName(await runPrecheck(spec(db.user, db.password, ['ok'])));
    expect(rootItems.get('source.connectivity')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(rootItems.get('source.privileges')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(rootItems.get('binlog.row_image')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    // A source column named record_id collides under the previous naming rule …
    expect(rootItems.get('additional_columns.conflict')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      fix: expect.stringContaining('additionalColumnRule: new'),
    });
    // … and not under the new one.
    const newRule = byName(
      await runPrecheck(spec(db.user, db.password, ['ok'], { incremental: { additionalColumnRule: 'new' } })),
    );
    expect(newRule.get('additional_columns.conflict')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);

    const missing = byName(await runPrecheck(spec(db.user, db.password, ['nope', 'nokey'])));
    expect(missing.get('objects.exist')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('p.nope'),
    });
    expect(missing.get('objects.row_key')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      fix: expect.stringContaining('primary key'),
    });

    const limited = byName(await runPrecheck(spec('reader', 'Rd-pw-123', ['ok'])));
    expect(limited.get('source.privileges')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('REPLICATION SLAVE'),
    });

    const wrong = await runPrecheck(spec('reader', 'not-the-password', ['ok']));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ name: 'source.connectivity', status: CheckStatus.CHECK_STATUS_FAILED });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });

  it('fails filters, ETL, name collisions, the table-count rule and heartbeat privileges, naming each', async () => {
    await using db = await startMariaDb();
    const root = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
    try {
      await root.query('CREATE DATABASE q');
      await root.query('CREATE TABLE q.Orders (id INT PRIMARY KEY, status VARCHAR(10))');
      await root.query('CREATE TABLE q.orders2 (id INT PRIMARY KEY)');
      await root.query('CREATE DATABASE many');
      // 1,001 tables made server-side (MEMORY: no files to create).
      await root.query(
        `CREATE PROCEDURE many.mk() BEGIN DECLARE i INT DEFAULT 0; WHILE i < 1001 DO SET @s = CONCAT('CREATE TABLE many.t', i, ' (id INT PRIMARY KEY) ENGINE=MEMORY'); PREPARE st FROM @s; EXECUTE st; DEALLOCATE PREPARE st; SET i = i + 1; END WHILE; END`,
      );
      await root.query('CALL many.mk()');
      await root.query("CREATE USER 'rep'@'127.0.0.1' IDENTIFIED BY 'Rp-pw-123'");
      await root.query("GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'rep'@'127.0.0.1'");
    } finally {
      await root.close();
    }
    const spec = (objects: unknown[], extra: Record<string, unknown> = {}, user = db.user, password = db.password) =>
      validateTaskSpec({
        name: 'q',
        source: { host: db.host, port: db.port, user, password },
        migrationTypes: ['schema', 'full', 'incremental'],
        objects,
        ...extra,
      });
    const item = async (s: ReturnType<typeof spec>, name: string) =>
      (await runPrecheck(s)).find((i) => i.name === name);

    expect(
      await item(spec([{ database: 'q', tables: [{ name: 'Orders', filter: "status = 'x'" }] }]), 'filters'),
    ).toMatchObject({ status: CheckStatus.CHECK_STATUS_PASSED, message: '1 filter/ETL expression(s) valid' });
    expect(
      await item(spec([{ database: 'q', tables: [{ name: 'Orders', filter: 'nope = 1' }] }]), 'filters'),
    ).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('filter of q.Orders: unknown column nope'),
    });
    expect(
      await item(spec([{ database: 'q', tables: [{ name: 'Orders', filter: '1; DROP TABLE q.Orders' }] }]), 'filters'),
    ).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, message: expect.stringContaining("';' at offset 1") });
    expect(
      await item(spec([{ database: 'q', tables: [{ name: 'Orders', etl: { drop: ['id'] } }] }]), 'filters'),
    ).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('drops key column id'),
    });
    expect(
      await item(
        spec([{ database: 'q', tables: [{ name: 'Orders', as: 'orders2' }, 'orders2'] }]),
        'destination.names',
      ),
    ).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: 'q.Orders and q.orders2 both map to q.orders2',
    });
    expect(await item(spec([{ database: 'q', tables: ['Orders', 'orders2'] }]), 'destination.names')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_PASSED,
    });
    // A whole database of 1,001 tables is fine; with per-table mapping next to it, DTS's limit applies.
    expect(await item(spec([{ database: 'many' }]), 'objects.table_count')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_PASSED,
      message: '1001 table(s)',
    });
    expect(
      await item(
        spec([{ database: 'many' }, { database: 'q', tables: [{ name: 'Orders', as: 'o' }] }]),
        'objects.table_count',
      ),
    ).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, fix: expect.stringContaining('split the task') });
    const hb = await item(
      spec([{ database: 'q', tables: ['Orders'] }], { heartbeat: true }, 'rep', 'Rp-pw-123'),
      'heartbeat.privileges',
    );
    expect(hb).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: 'heartbeat: true needs CREATE, INSERT, UPDATE on tidewater.* to write tidewater.heartbeat',
    });
    expect(
      await item(spec([{ database: 'q', tables: ['Orders'] }], { heartbeat: true }), 'heartbeat.privileges'),
    ).toMatchObject({ status: CheckStatus.CHECK_STATUS_PASSED });
    // The destination is asked through a sink, which names what it reached; none answering fails the item.
    const reached = await runPrecheck(spec([{ database: 'q', tables: ['Orders'] }]), {
      destination: async () => ({ foreign: [], server: 'db.example:5432/wh as u, PostgreSQL 16.4' }),
    });
    expect(reached.find((i) => i.name === 'destination.connectivity')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_PASSED,
      message: 'connected to db.example:5432/wh as u, PostgreSQL 16.4',
    });
    const noSink = await runPrecheck(spec([{ database: 'q', tables: ['Orders'] }]), {
      destination: () =>
        Promise.reject(
          new TidewaterError('TW_BUS_UNAVAILABLE', 'no sink service answered the destination check within 15 s'),
        ),
    });
    expect(noSink.find((i) => i.name === 'destination.connectivity')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('no sink service answered'),
      fix: expect.stringContaining('check that a sink service runs'),
    });
  }, 120_000);

  it('warns on a stock NATS whose max_payload is below the largest batch, and fails a bus that does not answer', async () => {
    await using db = await startMariaDb();
    await using nats = await startNats({ maxPayload: '1MB' });
    const bus: Bus = await connectBus(nats.url, 'precheck-test');
    const spec = validateTaskSpec({
      name: 'b',
      source: { host: db.host, port: db.port, user: db.user, password: db.password },
      migrationTypes: ['schema', 'full'],
      objects: [{ database: 'mysql', tables: ['db'] }],
    });
    const probe = async () => ({ ...(await describeBus(bus)), largestBatch: MAX_MESSAGE_BYTES });
    const items = await runPrecheck(spec, { bus: probe });
    expect(items.find((i) => i.name === 'bus.connectivity')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_PASSED,
      message: expect.stringMatching(/^NATS 2\.\d+\.\d+ with JetStream answered$/),
    });
    expect(items.find((i) => i.name === 'bus.max_payload')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_WARNING,
      message: expect.stringContaining('NATS accepts messages up to 1.0 MiB'),
      fix: expect.stringContaining('max_payload: 8MB'),
    });
    await bus.close();
    const gone = await runPrecheck(spec, { bus: probe });
    expect(gone.find((i) => i.name === 'bus.connectivity')).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: expect.stringContaining('NATS JetStream did not answer'),
    });
    expect(gone.find((i) => i.name === 'bus.max_payload')).toBeUndefined();
  });
});
