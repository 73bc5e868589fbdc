import { describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { connect } from '@nats-io/transport-node';
import { connect as tcp } from 'node:net';
import { startMariaDb, startNats, startPostgres } from './index.js';

describe('test kit servers', () => {
  it('starts MariaDB with binlog ROW/FULL where root can create users', async () => {
    await using db = await startMariaDb();
    const c = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
    const [rows] = await c.query('SELECT @@log_bin AS b, @@binlog_format AS f, @@binlog_row_image AS i');
    expect(rows).toEqual([{ b: 1, f: 'ROW', i: 'FULL' }]);
    await c.query("CREATE USER 'limited'@'127.0.0.1' IDENTIFIED BY 'pw'");
    await c.end();
  });

  it('starts NATS with JetStream and restarts it on the same port', async () => {
    await using nats = await startNats();
    const nc = await connect({ servers: nats.url });
    const got = new Promise<string>((resolve) => nc.subscribe('t', { callback: (_e, m) => resolve(m.string()) }));
    nc.publish('t', 'hello');
    expect(await got).toBe('hello');
    await nc.close();
    await nats.restart!();
    const again = await connect({ servers: nats.url });
    expect(again.isClosed()).toBe(false);
    await again.close();
  });

  it('starts PostgreSQL accepting TCP connections', async () => {
    await using pg = await startPostgres();
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcp(pg.port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    expect(ok).toBe(true);
  });
});
