import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '@tidewater/testkit';
import { ChangeKind } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { col, freshDatabase, opts, rows, table, wr } from './test-fixture.js';
import { PostgresSession, PostgresWarehouse } from './index.js';

// One PostgreSQL for the file; each test gets its own database.
let pg: PostgresServer;
let admin: PostgresSession;
let url: string;
let w: PostgresWarehouse;
let s: PostgresSession;
beforeAll(async () => {
  pg = await startPostgres();
  admin = await PostgresSession.open(pg.url);
});
afterAll(async () => {
  await admin?.close();
  await pg?.stop();
});
beforeEach(async () => {
  url = await freshDatabase(admin, pg.url);
  w = await PostgresWarehouse.open(url);
  s = await PostgresSession.open(url);
  await w.ensureTables('t1', [table], opts);
});
afterEach(async () => {
  await s.close();
  await w.close();
});

const ins = (ids: bigint[]) => ids.map((id) => ({ kind: ChangeKind.CHANGE_KIND_INSERT, id }));
const count = async (sql: string) => Number((await s.query(sql))[0]![0]);

describe('PostgresWarehouse', () => {
  it('commits a chunk once (S1): a redelivered chunk writes nothing', async () => {
    const chunk = rows([
      [1n, '9.99', 'a'],
      [2n, '0.01', 'b\tc\nd\\'],
    ]);
    expect(await w.commitChunk(wr(), 'c0', table, [chunk], opts)).toBe(true);
    expect(await w.commitChunk(wr(), 'c0', table, [chunk], opts)).toBe(false);
    expect(await s.query('SELECT id, price, record_id2 FROM shop.item_base ORDER BY id')).toEqual([
      ['1', '9.99', 'a'],
      ['2', '0.01', 'b\tc\nd\\'],
    ]);
    expect(await w.committedChunks('t1')).toEqual(new Set(['c0']));
  });

  it('keeps the change checkpoint per sink partition (S2) and skips redelivered rows', async () => {
    const a = rows(
      [
        [1n, '1', 'a'],
        [2n, '2', 'b'],
      ],
      ins([10n, 11n]),
    );
    expect(await w.appendLog(wr(0), table, a, opts)).toBe(2);
    // Partition 1 is behind partition 0: its lower record ids are still written.
    expect(await w.appendLog(wr(1), table, rows([[3n, '3', 'c']], ins([5n])), opts)).toBe(1);
    expect(await w.appendLog(wr(0), table, a, opts)).toBe(0);
    // A second process (no cache) sees the same checkpoints.
    const other = await PostgresWarehouse.open(url);
    try {
      expect(await other.appendLog(wr(0), table, a, opts)).toBe(0);
      expect(
        await other.appendLog(
          wr(1),
          table,
          rows(
            [
              [3n, '3', 'c'],
              [4n, '4', 'd'],
            ],
            ins([5n, 6n]),
          ),
          opts,
        ),
      ).toBe(1);
    } finally {
      await other.close();
    }
    expect(await s.query('SELECT sink_partition, record_id FROM _tidewater.log_checkpoints ORDER BY 1')).toEqual([
      ['0', '11'],
      ['1', '6'],
    ]);
    expect(
      await count(
        'SELECT count(*) FROM (SELECT record_id, before_flag, after_flag FROM shop.item_log GROUP BY 1, 2, 3 HAVING count(*) > 1) d',
      ),
    ).toBe(0);
    expect(await s.query('SELECT id, price FROM shop.item_merged ORDER BY id')).toEqual([
      ['1', '1.00'],
      ['2', '2.00'],
      ['3', '3.00'],
      ['4', '4.00'],
    ]);
  });

  it('refuses a write under an older lease epoch (P3) and audits who wrote when', async () => {
    const old = await PostgresWarehouse.open(url);
    try {
      expect(await old.appendLog(wr(0, 1), table, rows([[1n, '1', 'a']], ins([1n])), opts)).toBe(1);
      expect(await w.appendLog(wr(0, 2), table, rows([[2n, '2', 'b']], ins([2n])), opts)).toBe(1);
      // Partition 0 back to the first process under epoch 3: it reads the checkpoint epoch 2
      // advanced, not the one it cached under epoch 1, so epoch 2's row is not written twice.
      expect(
        await old.appendLog(
          wr(0, 3),
          table,
          rows(
            [
              [2n, '2', 'b'],
              [6n, '6', 'f'],
            ],
            ins([2n, 6n]),
          ),
          opts,
        ),
      ).toBe(1);
      const lost = old.appendLog(wr(0, 1), table, rows([[3n, '3', 'c']], ins([3n])), opts);
      await expect(lost).rejects.toMatchObject({ code: 'TW_PARTITION_LOST' });
      await expect(old.commitChunk(wr(0, 1), 'c9', table, [rows([[9n, '9', 'z']])], opts)).rejects.toMatchObject({
        code: 'TW_PARTITION_LOST',
      });
      // Another partition of the task is not fenced by partition 0's epoch.
      expect(await old.appendLog(wr(1, 1), table, rows([[4n, '4', 'd']], ins([4n])), opts)).toBe(1);
    } finally {
      await old.close();
    }
    expect(await count('SELECT count(*) FROM shop.item_log WHERE id = 3')).toBe(0);
    expect(await count('SELECT count(*) FROM shop.item_log WHERE id = 2')).toBe(1);
    expect(await count('SELECT count(*) FROM shop.item_base')).toBe(0);
    expect(await s.query('SELECT sink_partition, epoch, sink_id FROM _tidewater.partition_fences ORDER BY 1')).toEqual([
      ['0', '3', 'sink-3'],
      ['1', '1', 'sink-1'],
    ]);
    // The spans of the epochs of one partition never overlap.
    expect(
      await count(`SELECT count(*) FROM _tidewater.partition_writes a JOIN _tidewater.partition_writes b
        ON a.task_id = b.task_id AND a.sink_partition = b.sink_partition AND a.epoch < b.epoch
        WHERE a.last_at >= b.first_at`),
    ).toBe(0);
  });

  it('lets two sinks create and widen the same tables at once', async () => {
    const [a, b] = [await PostgresWarehouse.open(url), await PostgresWarehouse.open(url)];
    try {
      const many = Array.from({ length: 6 }, (_, i) => ({
        ...table,
        source: { database: 'shop', table: `t${i}` },
        stem: `t${i}`,
      }));
      const o = { ...opts, partition: [] as typeof opts.partition };
      await Promise.all([a.ensureTables('t1', many, o), b.ensureTables('t1', many, o), a.ensureTables('t1', many, o)]);
      const added = [col('note', 'varchar'), col('qty', 'int', { columnDefault: '7' })];
      const wider = many.map((t) => ({ ...t, columns: [...t.columns, ...added], version: 1 }));
      await Promise.all(wider.flatMap((t) => [a.addColumns(t, added, o), b.addColumns(t, added, o)]));
      for (const t of wider) {
        for (const suffix of ['_base', '_log', '_merged'])
          expect(
            (
              await s.query(
                `SELECT attname FROM pg_attribute WHERE attrelid = 'shop.${t.stem}${suffix}'::regclass AND attnum > 0 ORDER BY attnum`,
              )
            )
              .map((r) => r[0])
              .filter((n) => n === 'note' || n === 'qty'),
          ).toEqual(['note', 'qty']);
      }
      expect(await a.foreignTables('t1', ['shop.t0_base', 'shop.nope'])).toEqual([]);
      expect(await a.foreignTables('t2', ['shop.t0_base', 'shop.nope'])).toEqual(['shop.t0_base']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('partitions _log by day so a query for one day reads one partition', async () => {
    const o = {
      ...opts,
      partition: ['modifytime_year', 'modifytime_month', 'modifytime_day'] as typeof opts.partition,
    };
    const daily = { ...table, stem: 'daily' };
    await w.ensureTables('t1', [daily], o);
    const day = 86_400n;
    for (const [i, at] of [1_700_000_000n, 1_700_000_000n + day, 1_700_000_000n + 40n * day].entries()) {
      const rs = rows([[BigInt(i), '1', 'x']], ins([BigInt(i + 1)]), at);
      expect(await w.appendLog(wr(), daily, { ...rs, destTable: 'daily' }, o)).toBe(1);
    }
    expect(
      await count(
        `SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind = 'r' AND c.relname LIKE 'daily_log__%'`,
      ),
    ).toBe(3);
    const plan = (
      await s.query(
        `EXPLAIN SELECT * FROM shop.daily_log WHERE modifytime_year = '2023' AND modifytime_month = '11' AND modifytime_day = '15'`,
      )
    )
      .map((r) => r[0])
      .join('\n');
    expect(new Set(plan.match(/daily_log__[0-9_]+/g))).toEqual(new Set(['daily_log__2023_11_15']));
    expect(await count(`SELECT count(*) FROM shop.daily_log WHERE modifytime_month = '12'`)).toBe(1);
  });

  it('adopts an existing table under conflictMode ignore, keeping its rows on a key conflict', async () => {
    await s.query('CREATE SCHEMA legacy');
    await s.query('CREATE TABLE legacy.item_base (id bigint PRIMARY KEY, price numeric(12,2), extra text)');
    await s.query(`INSERT INTO legacy.item_base VALUES (1, 5.00, 'theirs')`);
    const t = { ...table, schema: 'legacy' };
    await expect(w.ensureTables('t1', [t], { ...opts, incremental: false })).rejects.toMatchObject({
      code: 'TW_DEST_CONFLICT',
    });
    const ignore = { ...opts, incremental: false, conflictMode: 'ignore' as const };
    await w.ensureTables('t1', [t], ignore);
    expect(
      await w.commitChunk(
        wr(),
        'c1',
        t,
        [
          rows([
            [1n, '9.99', 'a'],
            [2n, '0.01', 'b'],
          ]),
        ],
        ignore,
      ),
    ).toBe(true);
    expect(await s.query('SELECT id, price, extra FROM legacy.item_base ORDER BY id')).toEqual([
      ['1', '5.00', 'theirs'],
      ['2', '0.01', null],
    ]);
  });

  it('names the server but never the password when it cannot connect', async () => {
    const bad = new URL(url);
    bad.password = 'Sup3r-s3cret-pw';
    bad.port = String(pg.port === 1 ? 2 : 1);
    const e = await PostgresWarehouse.open(bad.toString()).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TidewaterError);
    const err = e as TidewaterError;
    expect(err.code).toBe('TW_DEST_WRITE');
    expect(err.retriable).toBe(true);
    expect(err.message).toContain(`127.0.0.1:${bad.port}/${bad.pathname.slice(1)}`);
    const shown = `${err.describe()} ${JSON.stringify(err)} ${String(err.stack)} ${String(err.cause ?? '')}`;
    expect(shown).not.toContain('Sup3r-s3cret-pw');
    const noDb = new URL(url);
    noDb.password = 'Sup3r-s3cret-pw';
    noDb.pathname = '/no_such_db';
    const e2 = (await PostgresWarehouse.open(noDb.toString()).catch((x: unknown) => x)) as TidewaterError;
    expect(e2.code).toBe('TW_DEST_WRITE');
    expect(e2.message).toContain('/no_such_db');
    expect(`${e2.describe()} ${String(e2.stack)}`).not.toContain('Sup3r-s3cret-pw');
  });

  it('names the table or column when a row cannot be written, and the connection stays usable', async () => {
    await s.query('ALTER TABLE shop.item_base ADD CONSTRAINT price_positive CHECK (price > 0)');
    const e = (await w
      .commitChunk(wr(), 'c2', table, [rows([[1n, '-1.00', 'a']])], opts)
      .catch((x) => x)) as TidewaterError;
    expect(e.code).toBe('TW_DEST_WRITE');
    expect(e.message).toContain('shop.item_base');
    expect(await w.commitChunk(wr(), 'c3', table, [rows([[1n, '1.00', 'a']])], opts)).toBe(true);
    // A text PostgreSQL cannot hold stops the COPY mid-stream; the connection stays usable.
    const nul = (await w
      .appendLog(wr(), table, rows([[2n, '2', 'a\0b']], ins([1n])), opts)
      .catch((x) => x)) as TidewaterError;
    expect(nul.code).toBe('TW_UNSUPPORTED_TYPE');
    expect(nul.message).toContain('shop.item.record_id2');
    for (let i = 0; i < 6; i++)
      expect(await w.appendLog(wr(), table, rows([[2n, '2', 'ok']], ins([BigInt(i + 1)])), opts)).toBe(1);
  });
});
