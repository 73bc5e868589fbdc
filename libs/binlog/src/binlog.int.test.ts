import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import type { BinlogPosition, TableSchema } from '@tidewater/proto';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { createBinlogReader, currentBinlogPosition, planResume, type BinlogReader, type RowsEvent } from './index.js';

const DDL = `CREATE TABLE bl.all_types (
  id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,
  bi BIGINT, biu BIGINT UNSIGNED, d65 DECIMAL(65,30), d10 DECIMAL(10,2), f FLOAT, dbl DOUBLE, b1 BIT(1), b64 BIT(64),
  dt DATE, dtm DATETIME(6), dt0 DATETIME, ts TIMESTAMP(6) NULL, tm TIME(6), yr YEAR,
  c CHAR(10), vc VARCHAR(100), tx TEXT, l1 VARCHAR(20) CHARACTER SET latin1, bn BINARY(4), vb VARBINARY(20), bl BLOB,
  en ENUM('a','b','c'), st SET('x','y','z'), js JSON, pt POINT, geo GEOMETRY) CHARACTER SET utf8mb4`;

const ROWS = [
  `(1, -128, 255, -32768, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
    '-99999999999999999999999999999999999.999999999999999999999999999999', -99999999.99, 16777217, -1.7976931348623157e308,
    b'1', b'1111111111111111111111111111111111111111111111111111111111111111',
    '1000-01-01', '9999-12-31 23:59:59.999999', '2024-02-29 12:00:00', '2038-01-19 03:14:07.999999', '-838:59:59.000000', 1901,
    'fixed', '😀 emoji ✓', REPEAT('long text ', 50), 'café é', X'00010203', X'FF00', X'DEADBEEF00',
    'c', 'x,z', '{"a": [1, 2.5, "ü"], "b": null}', ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('LINESTRING(0 0,1 1)'))`,
  `(2, 127, 0, 32767, 0, 2147483647, 0, 9223372036854775807, 0, '0.000000000000000000000000000001', 0.01, 3.1415927, 2.2250738585072014e-308,
    b'0', b'0', '2024-02-29', '1970-01-01 00:00:00.000001', '1970-01-01 00:00:00', '1970-01-01 00:00:01.000000', '838:59:59.999999', 2155,
    '', '', '', '', X'41', X'', X'', 'a', '', '[]', ST_GeomFromText('POINT(-1.5 1e10)'), NULL)`,
  `(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `(4, 0, 1, 0, 1, 0, 1, 0, 1, '1.5', 1.5, -3.40282e38, 0, b'1', b'101', '0000-00-00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', NULL, '00:00:00', 0,
    'x', 'x', 'x', 'x', X'41', X'41', X'41', 'b', 'y', '{}', NULL, NULL)`,
];

let db: MariaDbServer;
let source: SourceClient;
let schema: TableSchema;
let conn: { host: string; port: number; user: string; password: string };

function comparable(row: readonly CanonicalValue[] | undefined): unknown[] {
  return (row ?? []).map((v) =>
    v instanceof Uint8Array ? `hex:${Buffer.from(v).toString('hex')}` : typeof v === 'bigint' ? `${v}` : v,
  );
}

async function snapshot(): Promise<Map<number, unknown[]>> {
  const out = new Map<number, unknown[]>();
  for await (const batch of source.readChunk(schema, { lower: [], upper: [] }, { rowsPerBatch: 100 })) {
    for (const r of batch) out.set(Number(r[0]), comparable(r));
  }
  return out;
}

interface Seen {
  rows: RowsEvent[];
  commits: BinlogPosition[];
  ddl: string[];
}

async function follow(
  from: BinlogPosition,
  tables: TableSchema[],
  delayMs = 0,
): Promise<{ reader: BinlogReader; seen: Seen; errors: Error[] }> {
  const seen: Seen = { rows: [], commits: [], ddl: [] };
  const errors: Error[] = [];
  const reader = createBinlogReader(conn, { serverId: 4000 + Math.floor(Math.random() * 1000) });
  await reader.start({ kind: 'position', from, server: from.server }, tables, {
    onRows: async (e) => {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      seen.rows.push(e);
    },
    onCommit: (p) => void seen.commits.push(p),
    onDdl: (_db, stmt) => void seen.ddl.push(stmt),
    onError: (e) => errors.push(e),
  });
  return { reader, seen, errors };
}

beforeAll(async () => {
  db = await startMariaDb();
  conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  source = await openSource(conn);
  await source.query(`SET SESSION sql_mode = ''`);
  await source.query('CREATE DATABASE bl');
  await source.query(DDL);
  await source.query('CREATE TABLE bl.counter (id INT PRIMARY KEY, n INT)');
  [schema] = (await source.readSchemas([{ database: 'bl', tables: ['all_types'] }])) as [TableSchema];
}, 120_000);

afterAll(async () => {
  await source?.close();
  await db?.stop();
});

describe('binlog reader against MariaDB', () => {
  it('decodes every type exactly as SELECT reads it, with UPDATE images and DELETE', async () => {
    const from = await currentBinlogPosition(conn);
    await source.query(`INSERT INTO bl.all_types VALUES ${ROWS[0]}`);
    await source.query('BEGIN');
    await source.query(`INSERT INTO bl.all_types VALUES ${ROWS.slice(1).join(',')}`);
    await source.query('COMMIT');
    const before = await snapshot();
    await source.query(`UPDATE bl.all_types SET vc = 'changed ✓', id = 10 WHERE id = 2`);
    await source.query('DELETE FROM bl.all_types WHERE id = 4');
    const after = await snapshot();
    const { reader, seen, errors } = await follow(from, [schema]);
    try {
      await waitFor(async () => seen.commits.length >= 4, { timeoutMs: 20_000, what: '4 commits' });
      expect(errors).toEqual([]);
      const inserts = seen.rows
        .filter((e) => e.kind === 'insert')
        .flatMap((e) => e.rows.map((r) => comparable(r.after)));
      expect(inserts).toEqual([1, 2, 3, 4].map((id) => before.get(id)));
      const upd = seen.rows.find((e) => e.kind === 'update')!;
      expect(comparable(upd.rows[0]!.before)).toEqual(before.get(2));
      expect(comparable(upd.rows[0]!.after)).toEqual(after.get(10));
      const del = seen.rows.find((e) => e.kind === 'delete')!;
      expect(comparable(del.rows[0]!.before)).toEqual(before.get(4));
      // Rows of one transaction share its start and number consecutively.
      expect(seen.rows[1]!.txnStart).toBe(seen.commits[0]!.pos);
      expect(seen.rows[1]!.firstRowIndex).toBe(0);
    } finally {
      await reader.stop();
    }
  });

  it('resumes after a commit without repeating it, and reports DDL', async () => {
    const [counter] = (await source.readSchemas([{ database: 'bl', tables: ['counter'] }])) as [TableSchema];
    const from = await currentBinlogPosition(conn);
    await source.query('INSERT INTO bl.counter VALUES (1, 1)');
    await source.query('INSERT INTO bl.counter VALUES (2, 2)');
    const first = await follow(from, [counter]);
    await waitFor(async () => first.seen.commits.length >= 2, { timeoutMs: 20_000, what: 'two commits' });
    const afterFirst = first.seen.commits[0]!;
    await first.reader.stop();
    await source.query('ALTER TABLE bl.counter ADD COLUMN extra INT');
    const second = await follow(afterFirst, [counter]);
    try {
      await waitFor(async () => second.seen.ddl.length >= 1, { timeoutMs: 20_000, what: 'the DDL' });
      const ids = second.seen.rows.flatMap((e) => e.rows.map((r) => r.after![0]));
      expect(ids).toEqual([2]);
      expect(second.seen.ddl[0]).toMatch(/ALTER TABLE bl.counter ADD COLUMN extra INT/);
    } finally {
      await second.reader.stop();
    }
  });

  it("receives the source's heartbeat at the binlog end while nothing is written", async () => {
    await source.query('CREATE TABLE bl.beat (id INT PRIMARY KEY)');
    await source.query('INSERT INTO bl.beat VALUES (1)');
    const end = await currentBinlogPosition(conn);
    const beats: BinlogPosition[] = [];
    const reader = createBinlogReader(conn, { serverId: 5500 });
    await reader.start({ kind: 'position', from: end, server: end.server }, [], {
      onRows: () => undefined,
      onCommit: () => undefined,
      onDdl: () => undefined,
      onHeartbeat: (p) => void beats.push(p),
      onError: () => undefined,
    });
    try {
      await waitFor(async () => beats.length >= 2, { timeoutMs: 10_000, intervalMs: 100, what: 'two heartbeats' });
      // A heartbeat position is a resume point like any other: with its GTIDs and server.
      expect(beats.at(-1)).toEqual(end);
    } finally {
      await reader.stop();
    }
  });

  it('fails with TW_BINLOG_PURGED, not as a lost connection, when the source refuses the position (error 1236)', async () => {
    const end = await currentBinlogPosition(conn);
    const { reader, errors } = await follow({ ...end, pos: end.pos + 1_000_000n }, []);
    try {
      await waitFor(async () => errors.length > 0, { timeoutMs: 20_000, intervalMs: 100, what: 'the stream error' });
      expect(errors[0]).toMatchObject({ code: 'TW_BINLOG_PURGED', retriable: false, details: { driverCode: 1236 } });
      expect(errors[0]!.message).toContain(end.file);
    } finally {
      await reader.stop();
    }
  });

  it('refuses before starting a resume position whose binlog file was purged, naming the file and the fix', async () => {
    const from = await currentBinlogPosition(conn);
    await source.query('FLUSH BINARY LOGS');
    const newest = await currentBinlogPosition(conn);
    await source.query(`PURGE BINARY LOGS TO '${newest.file}'`);
    const where = `${db.host}:${db.port}`;
    const state = (await source.binlogState())!;
    {
      const e = (() => {
        try {
          return planResume('t1', from, state, where);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toMatchObject({
        code: 'TW_BINLOG_PURGED',
        retriable: false,
        details: { subject: `${db.host}:${db.port}` },
      });
      expect((e as Error).message).toContain(from.file);
      expect((e as { details: { fix: string } }).details.fix).toMatch(/retention/);
    }
  });

  it('loses and reorders nothing when the handler is slower than the stream', async () => {
    await source.query('CREATE TABLE bl.flood (id INT PRIMARY KEY)');
    const [flood] = (await source.readSchemas([{ database: 'bl', tables: ['flood'] }])) as [TableSchema];
    const from = await currentBinlogPosition(conn);
    for (let i = 0; i < 50; i++) {
      await source.query(`INSERT INTO bl.flood SELECT seq FROM bl.seq_${i * 100 + 1}_to_${i * 100 + 100}`);
    }
    for (let i = 5001; i <= 8000; i++) await source.query(`INSERT INTO bl.flood VALUES (${i})`);
    const { reader, seen, errors } = await follow(from, [flood], 1);
    try {
      await waitFor(async () => seen.commits.length >= 3050, {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: 'all commits',
      });
      const ids = seen.rows.flatMap((e) => e.rows.map((r) => r.after![0] as number));
      expect(ids).toEqual(Array.from({ length: 8000 }, (_, i) => i + 1));
      expect(errors).toEqual([]);
    } finally {
      await reader.stop();
    }
  });
});
