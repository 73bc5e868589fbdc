import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeKind } from '@tidewater/proto';
import { isTidewaterError } from '@tidewater/errors';
import { opts, rows, table, wr } from './test-fixture.js';
import { DuckDbWarehouse, WarehouseFile, WarehouseSession } from './index.js';

// DuckDB is embedded: a real file, written by the sink's own code.
let dir: string;
let w: DuckDbWarehouse;
const sql = (q: string) => w.query(q, {});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-reads-'));
  w = await DuckDbWarehouse.open(join(dir, 'wh.duckdb'));
  await w.ensureTables('t1@k', [table], opts);
  await w.commitChunk(
    wr(),
    'c0',
    table,
    [
      rows([
        [1n, '9.99', 'a'],
        [2n, '0.01', 'b'],
        [3n, '5.00', 'c'],
      ]),
    ],
    opts,
  );
  await w.appendLog(wr(), table, rows([[4n, '1.00', 'd']], [{ kind: ChangeKind.CHANGE_KIND_INSERT, id: 10n }]), opts);
});
afterAll(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(q: string): Promise<string> {
  try {
    await sql(q);
  } catch (e) {
    if (isTidewaterError(e) && e.code === 'TW_SPEC_INVALID') return `${e.message} | ${String(e.details.fix)}`;
    throw e;
  }
  throw new Error(`${q} was not refused`);
}

describe('statement guard', () => {
  it('runs the read kinds DuckDB parses as SELECT', async () => {
    for (const q of [
      'SELECT id FROM shop.item_merged ORDER BY id',
      'WITH x AS (SELECT id FROM shop.item_base) SELECT * FROM x',
      'VALUES (1), (2)',
      'FROM shop.item_base',
      'DESCRIBE shop.item_base',
      'SHOW ALL TABLES',
      'SUMMARIZE shop.item_base',
    ])
      expect((await sql(q)).rows.length, q).toBeGreaterThan(0);
  });

  it.each([
    ['DELETE FROM shop.item_base', 'a DELETE statement is not a read'],
    ['CREATE TABLE shop.x (a INT)', 'a CREATE statement is not a read'],
    ['INSERT INTO shop.item_base SELECT * FROM shop.item_base', 'a INSERT statement is not a read'],
    ["COPY shop.item_base TO '/tmp/never.csv'", 'a COPY statement is not a read'],
    ['EXPLAIN ANALYZE DELETE FROM shop.item_base', 'a EXPLAIN statement is not a read'],
    ["ATTACH '/tmp/other.duckdb'", 'a ATTACH statement is not a read'],
    ['SET threads = 1', 'a SET statement is not a read'],
    ['CHECKPOINT', 'a CALL statement is not a read'],
    ['SELECT 1; SELECT 2', '2 statements were sent'],
    ['SELECT 1; DELETE FROM shop.item_base', '2 statements were sent'],
    ['  ', 'holds no SQL statement'],
  ])('refuses %s, naming what and the fix', async (q, why) => {
    const msg = await refusal(q);
    expect(msg).toContain(why);
    expect(msg).toContain('send one read: SELECT');
  });

  it('changes nothing when it refuses', async () => {
    await refusal('DELETE FROM shop.item_base');
    expect((await sql('SELECT count(*) AS n FROM shop.item_base')).rows).toEqual([['3']]);
  });

  it('reports a syntax error as a failed query', async () => {
    await expect(sql('SELEC 1')).rejects.toMatchObject({ code: 'TW_SPEC_INVALID', message: /query failed/ });
  });
});

describe('query limits', () => {
  it('cuts at the row cap and says so', async () => {
    const r = await w.query('SELECT * FROM range(25)', { maxRows: 10 });
    expect(r.rows.map((x) => x[0])).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(r.truncated).toContain('first 10 rows');
    expect((await w.query('SELECT * FROM range(10)', { maxRows: 10 })).truncated).toBe('');
  });

  it('cuts at the byte cap and says so', async () => {
    const r = await w.query("SELECT repeat('x', 100) FROM range(1000)", { maxBytes: 1_000 });
    expect(r.rows.length).toBe(9);
    expect(r.truncated).toContain('exceeds 1000 bytes');
  });

  it('interrupts a runaway query at its timeout', async () => {
    await expect(
      w.query('SELECT count(*) FROM range(1000000000000) a, range(1000) b', { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'TW_QUERY_TIMEOUT' });
    expect((await sql('SELECT 1 AS one')).rows).toEqual([[1]]);
  });

  it('gives cell values as JSON-safe text where JS numbers would lose them', async () => {
    const r = await sql(
      "SELECT 9007199254740993::BIGINT AS b, 1.50::DECIMAL(4,2) AS d, DATE '2025-01-02' AS t, NULL AS n",
    );
    expect(r.columnTypes).toEqual(['BIGINT', 'DECIMAL(4,2)', 'DATE', 'INTEGER']);
    expect(r.rows).toEqual([['9007199254740993', '1.50', '2025-01-02', null]]);
  });
});

describe('Parquet export', () => {
  it('writes _base, a Hive-partitioned _log and _merged, equal to the tables', async () => {
    const out = join(dir, 'export');
    const files = await w.exportParquet({ outDir: out, task: 't1' });
    expect(files.map((f) => [f.object, f.rows])).toEqual([
      ['shop.item_base', 3],
      ['shop.item_log', 1],
      ['shop.item_merged', 4],
    ]);
    expect(readdirSync(join(out, 'shop', 'item_log'))).toEqual(['modifytime_year=2023']);
    const s = await WarehouseSession.open(join(dir, 'wh.duckdb'));
    try {
      for (const [t, read] of [
        ['item_base', `read_parquet('${out}/shop/item_base.parquet')`],
        ['item_merged', `read_parquet('${out}/shop/item_merged.parquet')`],
        [
          'item_log',
          `read_parquet('${out}/shop/item_log/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
        ],
      ])
        expect(
          await s.query(`(FROM shop.${t} EXCEPT ALL FROM ${read}) UNION ALL (FROM ${read} EXCEPT ALL FROM shop.${t})`),
          t,
        ).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('refuses a task with no tables in the file', async () => {
    await expect(w.exportParquet({ outDir: join(dir, 'none'), task: 'other' })).rejects.toMatchObject({
      code: 'TW_OBJECT_NOT_FOUND',
    });
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });
});

describe('WarehouseFile', () => {
  it('reads a file no process holds, read-only, through the same guard', async () => {
    // A file held by a running sink is covered by apps/cli/src/live-query.int.test.ts.
    const other = join(dir, 'free.duckdb');
    const s = await WarehouseSession.open(other);
    await s.query('CREATE TABLE t AS SELECT 42 AS x');
    await s.close();
    const f = await WarehouseFile.openReadOnly(other);
    expect(f).toBeDefined();
    expect((await f!.query('SELECT x FROM t')).rows).toEqual([[42]]);
    await expect(f!.query('DROP TABLE t')).rejects.toMatchObject({ code: 'TW_SPEC_INVALID' });
    f!.close();
  });
});
