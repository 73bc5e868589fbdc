import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMariaDb, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { isTidewaterError } from '@tidewater/errors';
import { startLocal, type LocalRun } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';
import { startToIncremental } from './testing/incremental-run.js';
import { specText } from './testing/specs.js';
import { queryWarehouse } from './commands/query.js';
import { exportWarehouse } from './commands/export.js';

// The run uses its own private NATS (no TIDEWATER_NATS_URL): `query` and `export` must find it
// through the state dir, as the CLI does next to a running `tidewater migrate`.
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let local: LocalRun | undefined;
let specFile: string;
const stateDir = () => join(work, 'state');
const warehouse = () => join(work, 'wh.duckdb');
const conn = () => ({ host: db.host, port: db.port, user: db.user, password: db.password });
const bin = resolve(import.meta.dirname, '../../../bin/tidewater');

const viaSpec = (sql: string) => queryWarehouse({ file: specFile, stateDir: stateDir(), sql });
const cells = async (sql: string) => (await viaSpec(sql)).rows;

beforeAll(async () => {
  delete process.env.TIDEWATER_NATS_URL;
  db = await startMariaDb();
  source = await openSource(conn());
  work = mkdtempSync(join(tmpdir(), 'tw-live-query-'));
  await source.query('CREATE DATABASE lq');
  await source.query('CREATE TABLE lq.t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL, n DECIMAL(12,2))');
  await source.query("INSERT INTO lq.t SELECT seq, concat('v', seq), seq / 4 FROM lq.seq_1_to_300");
  // JSON is YAML: the file `-f` reads is the spec the task was created from.
  const spec = specText('lq', db, warehouse(), {
    objects: [{ database: 'lq' }],
    incremental: { partition: ['modifytime_year', 'modifytime_month'] },
  });
  specFile = join(work, 'task.yaml');
  writeFileSync(specFile, spec);
  local = await startLocal({ stateDir: stateDir(), incremental: true });
  // Changes after the incremental stage began land in _log (earlier ones only in the copy).
  await startToIncremental(local, spec);
  await source.query("UPDATE lq.t SET v = 'changed' WHERE id <= 10");
  await source.query('DELETE FROM lq.t WHERE id > 290');
  await appliedUpToNow(local.client, 'lq', conn());
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await source?.close();
  await db?.stop();
  if (work && !process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
});

describe('reading the warehouse while its task runs', () => {
  it('answers from the sink holding the file: a row inserted in the source appears in _merged', async () => {
    expect(await cells('SELECT v FROM lq.t_merged WHERE id = 5000')).toEqual([]);
    await source.query("INSERT INTO lq.t VALUES (5000, 'fresh', 12.5)");
    await appliedUpToNow(local!.client, 'lq', conn());
    const r = await viaSpec('SELECT id, v, n FROM lq.t_merged WHERE id = 5000');
    expect(r.columns).toEqual(['id', 'v', 'n']);
    expect(r.rows).toEqual([[5000, 'fresh', '12.50']]);
    // The same through --task and through --warehouse (the file is locked: tidewater asks the sink).
    const count = 'SELECT count(*) FROM lq.t_merged';
    const expected = [[String((await source.query('SELECT count(*) FROM lq.t'))[0]![0])]];
    expect(await cells(count)).toEqual(expected);
    expect((await queryWarehouse({ task: 'lq', stateDir: stateDir(), sql: count })).rows).toEqual(expected);
    expect((await queryWarehouse({ warehouse: warehouse(), stateDir: stateDir(), sql: count })).rows).toEqual(expected);
  });

  it.each([
    ['DELETE FROM lq.t_base', 'a DELETE statement is not a read'],
    ['CREATE TABLE lq.intruder (a INT)', 'a CREATE statement is not a read'],
    ['SELECT 1; DROP TABLE lq.t_base', '2 statements were sent'],
  ])('refuses %s with the clear error and changes nothing', async (sql, why) => {
    const before = await cells('SELECT count(*) FROM lq.t_base');
    const e = await viaSpec(sql).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isTidewaterError(e) && e.code).toBe('TW_SPEC_INVALID');
    expect((e as Error).message).toContain(why);
    expect(String((e as { details: { fix: string } }).details.fix)).toContain('send one read: SELECT');
    expect(await cells('SELECT count(*) FROM lq.t_base')).toEqual(before);
    expect(await cells("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'intruder'")).toEqual([['0']]);
  });

  it('cuts a large answer to fit a bus message and says so', async () => {
    const r = await viaSpec("SELECT repeat('x', 1000) FROM range(100000)");
    expect(r.rows.length).toBeLessThan(100_000);
    expect(r.truncated).toMatch(/row cap|bytes/);
  });

  it('exports Parquet through the sink, equal to the warehouse tables row for row', async () => {
    const out = join(work, 'export');
    const files = await exportWarehouse({ file: specFile, stateDir: stateDir(), format: 'parquet', out });
    expect(files.map((f) => f.object)).toEqual(['lq.t_base', 'lq.t_log', 'lq.t_merged']);
    expect(readdirSync(join(out, 'lq')).sort()).toEqual(['t_base.parquet', 't_log', 't_merged.parquet']);
    expect(readdirSync(join(out, 'lq', 't_log'))[0]).toMatch(/^modifytime_year=\d{4}$/);
    const read: Record<string, string> = {
      t_base: `read_parquet('${out}/lq/t_base.parquet')`,
      t_merged: `read_parquet('${out}/lq/t_merged.parquet')`,
      t_log: `read_parquet('${out}/lq/t_log/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
    };
    for (const [table, parquet] of Object.entries(read)) {
      const rows = Number((await cells(`SELECT count(*) FROM lq.${table}`))[0]![0]);
      expect(files.find((f) => f.object === `lq.${table}`)?.rows, table).toBe(rows);
      expect(rows, table).toBeGreaterThan(0);
      // Hive partition columns read back last, in name order: compare column by column name.
      const names = await cells(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'lq' AND table_name = '${table}' ORDER BY ordinal_position`,
      );
      const back = `(SELECT ${names.map((n) => `"${String(n[0])}"`).join(', ')} FROM ${parquet})`;
      // Both differences, computed by the sink over the live tables and the files.
      const diff = `SELECT count(*) FROM ((FROM lq.${table} EXCEPT ALL FROM ${back}) UNION ALL (FROM ${back} EXCEPT ALL FROM lq.${table}))`;
      expect(await cells(diff), table).toEqual([['0']]);
    }
  });

  it('runs as bin/tidewater: an aligned table, and exit code 2 for a refused statement', () => {
    const run = (...args: string[]) =>
      spawnSync(bin, ['query', '--state-dir', stateDir(), '-f', specFile, ...args], { encoding: 'utf8', cwd: work });
    const ok = run('SELECT id, v FROM lq.t_merged WHERE id IN (1, 2) ORDER BY id');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(['id  v', '--  -------', ' 1  changed', ' 2  changed', '(2 rows)', ''].join('\n'));
    const refused = run('DELETE FROM lq.t_base');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('TW_SPEC_INVALID');
  });

  it('reads the file directly once the task stopped', async () => {
    const [before] = await cells('SELECT count(*) FROM lq.t_merged');
    await local!.stop();
    local = undefined;
    const r = await queryWarehouse({
      warehouse: warehouse(),
      stateDir: stateDir(),
      sql: 'SELECT count(*) FROM lq.t_merged',
    });
    expect(r.rows).toEqual([before]);
    const out = join(work, 'offline-export');
    const files = await exportWarehouse({ warehouse: warehouse(), stateDir: stateDir(), format: 'parquet', out });
    expect(files.map((f) => [f.object, f.rows])).toEqual(
      (await exportWarehouse({ file: specFile, stateDir: stateDir(), format: 'parquet', out })).map((f) => [
        f.object,
        f.rows,
      ]),
    );
  });
});
