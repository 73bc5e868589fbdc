import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import type { BinlogPosition, TableSchema } from '@tidewater/proto';
import { createBinlogReader, currentBinlogPosition, recordId, type ResumePlan, type RowsEvent } from './index.js';

let db: MariaDbServer;
let source: SourceClient;
let conn: { host: string; port: number; user: string; password: string };
let table: TableSchema;

interface Seen {
  rows: RowsEvent[];
  commits: BinlogPosition[];
  idle: BinlogPosition[];
  errors: Error[];
}

async function follow(plan: ResumePlan, until: (s: Seen) => boolean): Promise<Seen> {
  const seen: Seen = { rows: [], commits: [], idle: [], errors: [] };
  const reader = createBinlogReader(conn, { serverId: 6000 + Math.floor(Math.random() * 1000) });
  await reader.start(plan, [table], {
    onRows: (e) => void seen.rows.push(e),
    onCommit: (p) => void seen.commits.push(p),
    onDdl: () => undefined,
    onIdle: (p) => void seen.idle.push(p),
    onError: (e) => seen.errors.push(e),
  });
  try {
    await waitFor(async () => until(seen) || seen.errors.length > 0, { timeoutMs: 20_000, what: 'the commits' });
    return seen;
  } finally {
    await reader.stop();
  }
}

beforeAll(async () => {
  db = await startMariaDb();
  conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  source = await openSource(conn);
  await source.query('CREATE DATABASE gr');
  await source.query('CREATE TABLE gr.t (id INT PRIMARY KEY, v INT)');
  [table] = (await source.readSchemas([{ database: 'gr', tables: ['t'] }])) as [TableSchema];
}, 120_000);

afterAll(async () => {
  await source?.close();
  await db?.stop();
});

describe('GTIDs along the stream (F1)', () => {
  it('stamps each commit position with the GTID position the server gives for exactly there, and its server', async () => {
    const from = await currentBinlogPosition(conn);
    expect(from.server).toMatch(/^mariadb:\d+$/);
    for (let i = 1; i <= 3; i++) await source.query(`INSERT INTO gr.t VALUES (${i}, ${i})`);
    const seen = await follow({ kind: 'position', from, server: from.server }, (s) => s.commits.length >= 3);
    expect(seen.errors).toEqual([]);
    for (const p of seen.commits) {
      const [[exact]] = (await source.query('SELECT BINLOG_GTID_POS(?, ?)', [p.file, p.pos.toString()])) as [[string]];
      expect(p.gtid).toBe(exact);
      expect(p).toMatchObject({ server: from.server, epoch: 0 });
    }
    // What a resume checks a saved place against (resume-plan.ts): the same GTIDs, read back.
    const last = seen.commits.at(-1)!;
    expect((await source.binlogState(last))?.gtidAt).toBe(last.gtid);
    expect((await source.binlogState({ file: 'binlog.999999', pos: 4n }))?.gtidAt).toBeUndefined();
  });

  it('started by GTID, delivers exactly the transactions after it, under the epoch given, from real positions only', async () => {
    await source.query('INSERT INTO gr.t VALUES (10, 10)');
    const after10 = await currentBinlogPosition(conn);
    await source.query('FLUSH BINARY LOGS');
    await source.query('INSERT INTO gr.t VALUES (11, 11)');
    await source.query('UPDATE gr.t SET v = 12 WHERE id = 11');
    const byPosition = await follow(
      { kind: 'position', from: after10, server: after10.server },
      (s) => s.commits.length >= 2,
    );
    const byGtid = await follow(
      { kind: 'gtid', gtid: after10.gtid, epoch: 1, server: 'mariadb:other' },
      (s) => s.commits.length >= 2,
    );
    expect(byGtid.errors).toEqual([]);
    expect(byGtid.rows.map((e) => [e.kind, e.rows.length])).toEqual([
      ['insert', 1],
      ['update', 1],
    ]);
    // The same transactions at the same coordinates: only the epoch (and so the id and token) differs.
    expect(byGtid.commits.map((p) => [p.file, p.pos, p.gtid])).toEqual(
      byPosition.commits.map((p) => [p.file, p.pos, p.gtid]),
    );
    expect(byGtid.commits.every((p) => p.epoch === 1 && p.token.startsWith('e000001:'))).toBe(true);
    const ids = byGtid.rows.map((e) => recordId(e.file, e.txnStart, e.firstRowIndex, e.epoch));
    const old = byPosition.rows.map((e) => recordId(e.file, e.txnStart, e.firstRowIndex, e.epoch));
    expect(ids.every((id) => old.every((o) => id > o))).toBe(true);
    expect(ids[1]! > ids[0]!).toBe(true);
    // Nothing before the first transaction boundary is offered as a resume point.
    expect(byGtid.idle.every((p) => p.token >= byGtid.commits[0]!.token || p.file > after10.file)).toBe(true);
  });
});
