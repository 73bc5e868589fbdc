import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb, waitFor, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { CheckStatus } from '@tidewater/proto';
import { startLocal, type LocalRun } from './local-run.js';
import { appliedUpToNow } from './testing/applied.js';
import { addSinks, sinkPartitions, waitForOwners } from './testing/sinks.js';

// Sink instances share a task's partitions by leases (docs/architecture.md, "Who consumes a
// partition"). A DuckDB file takes one writer, so here: the refusals of a second sink, and one
// sink killed and replaced by a new instance taking its partitions over under higher epochs.
const cli = fileURLToPath(new URL('../../../bin/tidewater', import.meta.url));
let db: MariaDbServer;
let source: SourceClient;
let work: string;
let conn: { host: string; port: number; user: string; password: string };
let local: LocalRun | undefined;

beforeAll(async () => {
  delete process.env.TIDEWATER_NATS_URL;
  db = await startMariaDb();
  conn = { host: db.host, port: db.port, user: db.user, password: db.password };
  source = await openSource(conn);
  work = mkdtempSync(join(tmpdir(), 'tw-sinks-'));
  await source.query('CREATE DATABASE ss');
  await source.query('CREATE TABLE ss.t (id INT PRIMARY KEY, v INT NOT NULL)');
  await source.query('INSERT INTO ss.t SELECT seq, 0 FROM ss.seq_1_to_300');
}, 180_000);

afterAll(async () => {
  await local?.stop();
  await source?.close();
  await db?.stop();
  if (work && !process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
});

const spec = (name: string) => ({
  name,
  source: conn,
  destination: { type: 'duckdb', path: join(work, `${name}.duckdb`) },
  migrationTypes: ['schema', 'full', 'incremental'],
  objects: [{ database: 'ss' }],
});

describe('more than one sink on a DuckDB destination', () => {
  it('migrate --sinks 2 refuses it before starting anything, naming the reason and the fix', async () => {
    const file = join(work, 'two.json');
    writeFileSync(file, JSON.stringify(spec('two')));
    const stateDir = join(work, 'two-state');
    const r = spawnSync(cli, ['migrate', '-f', file, '--sinks', '2', '--state-dir', stateDir], {
      cwd: work,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TW_SPEC_INVALID');
    expect(r.stderr).toContain('--sinks 2: a DuckDB file takes one writer');
    expect(r.stderr).toContain('run one sink for the embedded DuckDB destination');
    expect(existsSync(join(stateDir, 'logs'))).toBe(false);
    await expect(startLocal({ stateDir: join(work, 'zero'), incremental: false, sinks: 0 })).rejects.toThrow(
      /--sinks 0 is not a number of sink instances/,
    );
  });
});

describe('a sink that dies', () => {
  it('is replaced by a new instance that takes every partition over under a higher epoch; a second live sink fails the precheck', async () => {
    local = await startLocal({ stateDir: join(work, 'state'), incremental: true });
    const created = await local.client.createTask(JSON.stringify(spec('ss')));
    await local.client.precheckAndStart(created.taskId);
    await appliedUpToNow(local.client, 'ss', conn);
    const partitions = (await sinkPartitions(local, 'ss')).length;
    expect(partitions).toBeGreaterThan(0);
    const before = await waitForOwners(local, 'ss', { partitions, owners: 1 });
    for (const p of before) expect(p.epoch).toBeGreaterThan(0n);

    // Killed without a chance to release: the supervisor starts a new sink (a new id), which
    // waits for the old leases to expire and then takes every partition with a new epoch.
    const killedAt = Date.now();
    process.kill(local.supervisor.pid('sink')!, 'SIGKILL');
    await source.query('UPDATE ss.t SET v = v + 1 WHERE id <= 100');
    const after = await waitFor(
      async () => {
        const views = await sinkPartitions(local!, 'ss');
        const owners = new Set(views.map((v) => v.owner));
        return views.length === partitions && owners.size === 1 && !owners.has('') && !owners.has(before[0]!.owner)
          ? views
          : undefined;
      },
      { timeoutMs: 90_000, what: 'a new sink instance owning every partition' },
    );
    console.log(`${partitions} partitions of a killed sink owned again after ${Date.now() - killedAt} ms`);
    for (const p of after) expect(p.epoch).toBeGreaterThan(before.find((b) => b.partition === p.partition)!.epoch);
    const t = await appliedUpToNow(local.client, 'ss', conn);
    expect(t.changesApplied).toBeGreaterThanOrEqual(200n);

    // A second sink process on the same DuckDB task: the precheck of a task says it cannot work.
    addSinks(local, 1);
    const other = await local.client.createTask(JSON.stringify(spec('other')));
    const writers = await waitFor(
      async () => {
        const { items } = await local!.client.runPrecheck(other.taskId);
        const item = items.find((i) => i.name === 'destination.writers');
        return item?.status === CheckStatus.CHECK_STATUS_FAILED && item;
      },
      { timeoutMs: 60_000, what: 'the precheck to see two live sinks' },
    );
    expect(writers.message).toMatch(/^2 sink instances are running .* but the DuckDB file .* takes one writer$/);
    expect(writers.fix).toContain('run one sink for a DuckDB destination');
  });
});
