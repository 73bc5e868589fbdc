import { describe, expect, it } from 'vitest';
import { startMariaDb } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { CheckStatus } from '@tidewater/proto';
import { validateTaskSpec } from '@tidewater/config';
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
      validateTaskSpec({ name: 'p', source: { ...base, user, password }, migrationTypes: ['schema', 'full', 'incremental'], objects: [{ database: 'p', tables }], ...extra });
    const byName = (items: { name: string; status: CheckStatus; fix: string; message: string }[]) => new Map(items.map((i) => [i.name, i]));

    const rootItems = byName(await runPrecheck(spec(db.user, db.password, ['ok'])));
    expect(rootItems.get('source.connectivity')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(rootItems.get('source.privileges')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(rootItems.get('binlog.row_image')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    // A source column named record_id collides under the previous naming rule …
    expect(rootItems.get('additional_columns.conflict')).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, fix: expect.stringContaining('additionalColumnRule: new') });
    // … and not under the new one.
    const newRule = byName(await runPrecheck(spec(db.user, db.password, ['ok'], { incremental: { additionalColumnRule: 'new' } })));
    expect(newRule.get('additional_columns.conflict')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);

    const missing = byName(await runPrecheck(spec(db.user, db.password, ['nope', 'nokey'])));
    expect(missing.get('objects.exist')).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, message: expect.stringContaining('p.nope') });
    expect(missing.get('objects.row_key')).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, fix: expect.stringContaining('primary key') });

    const limited = byName(await runPrecheck(spec('reader', 'Rd-pw-123', ['ok'])));
    expect(limited.get('source.privileges')).toMatchObject({ status: CheckStatus.CHECK_STATUS_FAILED, message: expect.stringContaining('REPLICATION SLAVE') });

    const wrong = await runPrecheck(spec('reader', 'not-the-password', ['ok']));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]).toMatchObject({ name: 'source.connectivity', status: CheckStatus.CHECK_STATUS_FAILED });
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
  });
});
