import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import type { MariaDbServer } from '@tidewater/testkit';
import { openSource, parseSourceUrl, type SourceClient, type SourceConnection } from './index.js';
import { expectContiguous, keyText, startFixtureSource, FixtureReads, type FixtureSource } from './int-fixtures.js';
import { comparable, EXPECTED, TYPE_COLUMNS } from './int-all-types.js';

// Against a real MariaDB (private mariadbd from @tidewater/testkit, binlog ROW/FULL).
// No timing assertions: the read rate is printed, not checked.

const DB = 'ms_it';
const NOKEY_DB = 'ms_it_nokey';
let fixtures: FixtureSource;
let server: MariaDbServer;
let conn: SourceConnection;
let source: SourceClient;
let reads: FixtureReads;

beforeAll(async () => {
  fixtures = await startFixtureSource(DB, NOKEY_DB);
  ({ server, conn, source, reads } = fixtures);
}, 180_000);

afterAll(async () => {
  await fixtures?.stop();
});

describe('mysql-source against MariaDB', () => {
  it('reads every type in canonical form', async () => {
    const schema = await reads.schemaOf('all_types');
    const rows = await reads.readAll(schema, { lower: [], upper: [] });
    rows.sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(rows.map(comparable)).toEqual(EXPECTED);
  });

  it('reads a schema completely from information_schema', async () => {
    const schema = await reads.schemaOf('all_types');
    expect(schema.source).toEqual({ database: DB, table: 'all_types' });
    expect(schema.keyColumns).toEqual(['id']);
    expect(schema.version).toBe(0);
    const col = (n: string) => schema.columns.find((c) => c.name === n);
    expect(schema.columns.map((c) => c.name).slice(0, 4)).toEqual(['id', 'ti', 'tiu', 'si']);
    for (const [name, want] of Object.entries(TYPE_COLUMNS)) expect(col(name), name).toMatchObject(want);
  });

  it('selects every base table of a database, never views', async () => {
    const names = (await source.readSchemas([{ database: DB }])).map((s) => s.source?.table);
    expect(names).toEqual(['all_types', 'big', 'composite', 'empty_one', 'order', 'sparse', 'strkey', 'uniq']);
  });

  it('chooses keys: PRIMARY KEY, else the narrowest NOT NULL unique key, else TW_NO_ROW_KEY', async () => {
    expect((await reads.schemaOf('uniq')).keyColumns).toEqual(['code']);
    expect((await reads.schemaOf('composite')).keyColumns).toEqual(['region', 'seq']);
    const err = await source.readSchemas([{ database: NOKEY_DB }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidewaterError);
    expect((err as TidewaterError).code).toBe('TW_NO_ROW_KEY');
    expect((err as TidewaterError).message).toContain(`${NOKEY_DB}.no_key`);
  });

  it('leaves excluded tables of a whole database out (a keyless one need not block the rest); a misspelt exclusion is refused', async () => {
    const names = (await source.readSchemas([{ database: DB, exclude: ['big', 'sparse'] }])).map(
      (s) => s.source?.table,
    );
    expect(names).toEqual(['all_types', 'composite', 'empty_one', 'order', 'strkey', 'uniq']);
    expect(await source.readSchemas([{ database: NOKEY_DB, exclude: ['no_key'] }])).toEqual([]);
    const err = await source.readSchemas([{ database: DB, exclude: ['Big'] }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TW_OBJECT_NOT_FOUND', details: { subject: `${DB}.Big` } });
  });

  it('reports missing tables, databases and views as TW_OBJECT_NOT_FOUND', async () => {
    for (const sel of [
      { database: DB, tables: ['nope'] },
      { database: 'no_such_db' },
      { database: DB, tables: ['a_view'] },
      { database: DB, tables: ['Composite'] },
    ]) {
      const err = await source.readSchemas([sel]).catch((e: unknown) => e);
      expect((err as TidewaterError).code).toBe('TW_OBJECT_NOT_FOUND');
      expect((err as TidewaterError).message).toContain(sel.tables?.[0] ?? sel.database);
    }
    const err = await source.estimateRows({ database: DB, table: 'nope' }).catch((e: unknown) => e);
    expect((err as TidewaterError).code).toBe('TW_OBJECT_NOT_FOUND');
  });

  it('chunks a composite key into ranges covering the table exactly once', async () => {
    const { chunks, rows } = await reads.readByChunks('composite', 250);
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    expectContiguous(chunks);
    const keys = rows.map((r) => keyText(r, 2));
    expect(new Set(keys).size).toBe(keys.length);
    const want = (await source.query(`SELECT region, seq FROM ${DB}.composite`)).map((r) => keyText(r, 2));
    expect(keys.sort()).toEqual(want.sort());
    expect(rows.length).toBe(3000);
  });

  it('chunks a string key in the collation order, covering the table exactly once', async () => {
    const { chunks, rows } = await reads.readByChunks('strkey', 400);
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    expectContiguous(chunks);
    expect(chunks[1]?.lower[0]?.kind?.$case).toBe('text');
    const keys = rows.map((r) => r[0] as string);
    expect(new Set(keys).size).toBe(5000);
    const want = (await source.query(`SELECT k FROM ${DB}.strkey`)).map((r) => r[0] as string);
    expect([...keys].sort()).toEqual([...want].sort());
  });

  it('chunks dense integer keys arithmetically and sparse ones by walking the index', async () => {
    const dense = await source.planChunks(await reads.schemaOf('big'), { targetRows: 30_000 });
    expectContiguous(dense);
    expect(dense.length).toBeGreaterThanOrEqual(4);
    expect(dense.length).toBeLessThanOrEqual(8);
    expect(dense[0]?.upper[0]?.kind?.$case).toBe('int');
    const { chunks, rows } = await reads.readByChunks('sparse', 300);
    expectContiguous(chunks);
    expect(chunks.length).toBe(7); // 6 full chunks of 300 rows, the rest in the open last one
    expect(chunks[0]?.upper).toEqual([{ kind: { $case: 'uint', value: 300n * 1000003n } }]);
    expect(chunks.at(-1)?.estimatedRows).toBe(200n);
    expect(rows.length).toBe(2000);
    expect(new Set(rows.map((r) => r[0])).size).toBe(2000);
  });

  it('quotes reserved-word table and column names', async () => {
    const schema = await reads.schemaOf('order');
    expect(schema.columns.map((c) => c.name)).toEqual(['select', 'from', 'we`ird']);
    const { rows } = await reads.readByChunks('order', 1);
    expect(rows).toEqual([
      [1, 'where', 7],
      [2, null, null],
    ]);
  });

  it('plans an empty table as one open chunk with no rows', async () => {
    const schema = await reads.schemaOf('empty_one');
    const chunks = await source.planChunks(schema, { targetRows: 1000 });
    expect(chunks).toEqual([{ lower: [], upper: [], estimatedRows: 0n }]);
    expect(await reads.readAll(schema, chunks[0]!)).toEqual([]);
    expect(await source.estimateRows({ database: DB, table: 'empty_one' })).toBe(0n);
  });

  it('applies a row filter inside the key range', async () => {
    const schema = await reads.schemaOf('composite');
    const rows = await reads.readAll(
      schema,
      { lower: [{ kind: { $case: 'text', value: 'ap' } }, { kind: { $case: 'int', value: 1000n } }], upper: [] },
      100,
      '`seq` % 2 = 0 AND note IS NOT NULL',
    );
    const [[n]] = (await source.query(
      `SELECT COUNT(*) FROM ${DB}.composite WHERE (region, seq) > ('ap', 1000) AND seq % 2 = 0`,
    )) as [[bigint]];
    expect(rows.length).toBe(Number(n));
    expect(rows.every((r) => Number(r[1]) % 2 === 0)).toBe(true);
    const bad = await reads
      .readAll(schema, { lower: [], upper: [] }, 100, 'no_such_column = 1')
      .catch((e: unknown) => e);
    expect((bad as TidewaterError).code).toBe('TW_SPEC_INVALID');
  });

  it('reads backslash escapes in a filter even when the server defaults to NO_BACKSLASH_ESCAPES', async () => {
    await source.query(`CREATE TABLE ${DB}.esc (id INT PRIMARY KEY, v VARCHAR(10))`);
    await source.query(`INSERT INTO ${DB}.esc VALUES (1, 'a\\\\b'), (2, 'ab')`);
    await source.query(`SET GLOBAL sql_mode = CONCAT(@@GLOBAL.sql_mode, ',NO_BACKSLASH_ESCAPES')`);
    const fresh = await openSource(conn);
    try {
      const freshReads = new FixtureReads(fresh, DB);
      const schema = await freshReads.schemaOf('esc');
      // As libs/expression renders `v = 'a\\b'` (the string a\b).
      const rows = await freshReads.readAll(schema, { lower: [], upper: [] }, 10, "(`v` = 'a\\\\b')");
      expect(rows).toEqual([[1, 'a\\b']]);
    } finally {
      await fresh.close();
      await source.query(`SET GLOBAL sql_mode = REPLACE(@@GLOBAL.sql_mode, 'NO_BACKSLASH_ESCAPES', '')`);
    }
  });

  it('streams 200k rows in bounded batches, pausing while the consumer does not pull', async () => {
    const schema = await reads.schemaOf('big');
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let rows = 0;
    let batches = 0;
    let sum = 0n;
    let stalledGrowth = 0;
    for await (const batch of source.readChunk(schema, { lower: [], upper: [] }, { rowsPerBatch: 1000 })) {
      expect(batch.length).toBeLessThanOrEqual(1000);
      if (batches === 0) {
        // Hold the first batch for a while: a reader without backpressure would pull the whole
        // table (~70 MB as JS values) into memory meanwhile.
        await new Promise((r) => setTimeout(r, 1500));
        stalledGrowth = process.memoryUsage().heapUsed - before;
      }
      batches++;
      rows += batch.length;
      for (const r of batch) sum += r[0] as bigint;
    }
    expect(rows).toBe(200_000);
    expect(batches).toBe(200);
    expect(sum).toBe((200_000n * 200_001n) / 2n);
    expect(stalledGrowth).toBeLessThan(24 * 1024 * 1024);

    // Read rate, reported only: a second pass with a consumer that keeps up.
    const started = performance.now();
    let timed = 0;
    for await (const batch of source.readChunk(schema, { lower: [], upper: [] }, { rowsPerBatch: 1000 }))
      timed += batch.length;
    const seconds = (performance.now() - started) / 1000;
    expect(timed).toBe(200_000);
    console.log(
      `mysql-source: read 200,000 rows in ${seconds.toFixed(2)} s = ${Math.round(200_000 / seconds)} rows/s; heap growth while stalled ${(stalledGrowth / 1048576).toFixed(1)} MB`,
    );
  });

  it('stops cleanly when the consumer breaks or aborts, and the pool stays usable', async () => {
    const schema = await reads.schemaOf('big');
    for await (const batch of source.readChunk(schema, { lower: [], upper: [] }, { rowsPerBatch: 100 })) {
      expect(batch.length).toBe(100);
      break;
    }
    const ac = new AbortController();
    let seen = 0;
    const err = await (async () => {
      for await (const batch of source.readChunk(
        schema,
        { lower: [], upper: [] },
        { rowsPerBatch: 100, signal: ac.signal },
      )) {
        seen += batch.length;
        if (seen >= 300) ac.abort(new Error('stop here'));
      }
    })().catch((e: unknown) => e);
    expect((err as Error).message).toBe('stop here');
    expect(seen).toBe(300);
    const again = await reads.readAll(schema, { lower: [{ kind: { $case: 'int', value: 199_990n } }], upper: [] });
    expect(again.length).toBe(10);
  });

  it('reports binlog settings', async () => {
    const s = await source.binlogSettings();
    expect(s).toMatchObject({
      logBin: true,
      format: 'ROW',
      rowImage: 'FULL',
      flavor: 'mariadb',
      compression: false,
      partialJson: false,
    });
    expect(s.version).toMatch(/MariaDB/);
    expect(s.gtidMode).toBeUndefined();
    expect(s.expireSeconds === null || s.expireSeconds > 0).toBe(true);
  });

  it('maps a wrong password to TW_SOURCE_AUTH without echoing it', async () => {
    const password = 'Wr0ng-Secret-Passw0rd!';
    const err = await openSource({ ...conn, password }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidewaterError);
    const e = err as TidewaterError;
    expect(e.code).toBe('TW_SOURCE_AUTH');
    expect(e.message).toContain(conn.user);
    expect(e.message).toContain(`${conn.host}:${conn.port}`);
    for (const text of [
      e.message,
      e.describe(),
      JSON.stringify(e.toJSON()),
      String((e.cause as Error | undefined)?.message),
    ]) {
      expect(text).not.toContain(password);
    }
  });

  it('maps a closed port to TW_SOURCE_UNREACHABLE', async () => {
    const err = await openSource({ ...conn, port: 1 }).catch((e: unknown) => e);
    expect((err as TidewaterError).code).toBe('TW_SOURCE_UNREACHABLE');
    expect((err as TidewaterError).message).toContain(`cannot reach source at ${conn.host}:1`);
  });

  it('opens from a parsed URL', async () => {
    const parsed = parseSourceUrl(server.url);
    expect(parsed).toEqual(conn);
    const s = await openSource(parsed, { poolSize: 1 });
    try {
      expect(await s.query('SELECT 1 + ?', [41])).toEqual([[42]]);
      // query() keeps its session between calls.
      await s.query('SET @tw_probe = 5');
      expect(await s.query('SELECT @tw_probe')).toEqual([[5n]]);
      expect(await s.query(`SELECT @@session.time_zone`)).toEqual([['+00:00']]);
    } finally {
      await s.close();
    }
  });
});
