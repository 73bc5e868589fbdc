import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { startMariaDb, startMariaDbReplica, type MariaDbReplica, type MariaDbServer } from './index.js';

const connect = (s: MariaDbServer) =>
  mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });

async function scalar<T>(s: MariaDbServer, sql: string): Promise<T> {
  const c = await connect(s);
  try {
    const [rows] = await c.query(sql);
    return Object.values((rows as Record<string, T>[])[0]!)[0]!;
  } finally {
    await c.end();
  }
}

/** "domain-server-seq" of one domain in a gtid position list. */
function gtidOf(pos: string, domain: number): { server: number; seq: number } {
  const g = pos.split(',').find((p) => p.startsWith(`${domain}-`));
  if (!g) throw new Error(`no GTID of domain ${domain} in "${pos}"`);
  const [, server, seq] = g.split('-').map(Number);
  return { server: server!, seq: seq! };
}

// One primary and one replica for the file; the tests run in order (replicate, then fail over).
describe('MariaDB GTID replica', () => {
  let primary: MariaDbServer;
  let replica: MariaDbReplica;

  beforeAll(async () => {
    primary = await startMariaDb();
    const c = await connect(primary);
    // Written before the replica exists: seeding must bring it along.
    await c.query('CREATE DATABASE shop');
    await c.query('CREATE TABLE shop.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await c.query("INSERT INTO shop.t VALUES (1, 'before')");
    await c.end();
    replica = await startMariaDbReplica(primary);
  });

  afterAll(async () => {
    await replica?.stop();
    await primary?.stop();
  });

  it('is configured as a GTID replica with its own server_id and binlog', async () => {
    const c = await connect(replica);
    const [rows] = await c.query(
      'SELECT @@server_id AS sid, @@log_bin AS bin, @@log_slave_updates AS lsu, @@binlog_format AS f, @@binlog_row_image AS i, @@log_bin_basename AS base, @@read_only AS ro',
    );
    await c.end();
    const r = (rows as Record<string, unknown>[])[0]!;
    expect(r).toMatchObject({ sid: 2, bin: 1, lsu: 1, f: 'ROW', i: 'FULL', ro: 1 });
    expect(String(r.base)).toMatch(/replica-bin$/);
    expect(await scalar(replica, 'SELECT @@gtid_domain_id')).toBe(await scalar(primary, 'SELECT @@gtid_domain_id'));
  });

  it('replicates rows written on the primary, also those from before it started', async () => {
    const c = await connect(primary);
    await c.query("INSERT INTO shop.t VALUES (2, 'after'), (3, 'after')");
    await c.query("UPDATE shop.t SET v = 'changed' WHERE id = 1");
    await c.end();
    await replica.waitCaughtUp(60_000);
    const r = await connect(replica);
    const [rows] = await r.query('SELECT id, v FROM shop.t ORDER BY id');
    await r.end();
    expect(rows).toEqual([
      { id: 1, v: 'changed' },
      { id: 2, v: 'after' },
      { id: 3, v: 'after' },
    ]);
  });

  it('after the primary stops, the promoted replica takes writes continuing the GTID domain', async () => {
    const domain = await scalar<number>(primary, 'SELECT @@gtid_domain_id');
    const primaryServerId = await scalar<number>(primary, 'SELECT @@server_id');
    const c = await connect(primary);
    await c.query("INSERT INTO shop.t VALUES (4, 'last')");
    await c.end();
    const last = gtidOf(await scalar<string>(primary, 'SELECT @@gtid_binlog_pos'), domain);
    await replica.waitCaughtUp(60_000);
    await primary.halt!('crash');

    await replica.promote(60_000);
    const r = await connect(replica);
    await r.query("INSERT INTO shop.t VALUES (5, 'promoted')");
    const [rows] = await r.query('SELECT COUNT(*) AS n FROM shop.t');
    const [status] = await r.query('SHOW SLAVE STATUS');
    await r.end();
    expect(rows).toEqual([{ n: 5 }]);
    expect(status).toEqual([]);
    expect(await scalar(replica, 'SELECT @@read_only')).toBe(0);
    const next = gtidOf(await scalar<string>(replica, 'SELECT @@gtid_binlog_pos'), domain);
    expect(next.server).not.toBe(primaryServerId);
    expect(next.server).toBe(await scalar<number>(replica, 'SELECT @@server_id'));
    expect(next.seq).toBeGreaterThan(last.seq);
  });
});
