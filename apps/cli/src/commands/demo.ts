import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMariaDb } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { DuckDbWarehouse } from '@tidewater/duckdb-sink';
import { Stage } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { loadSampleDatabase } from '../sample-database.js';
import { migrate } from './migrate.js';
import { lockStateDir, type StateLock } from '../state-lock.js';

export interface DemoOptions {
  readonly warehouse: string;
  readonly stateDir: string;
}

/**
 * The README's first command: a sandbox MariaDB (the test kit's) loaded with the sample
 * `shop` database, migrated through every service into a DuckDB warehouse, then per-table
 * counts read back from the warehouse next to the source's.
 */
export async function demo(opts: DemoOptions): Promise<void> {
  mkdirSync(opts.stateDir, { recursive: true });
  // Held before the warehouse is replaced: a second demo on this state dir stops here,
  // before it could delete the file the first one is writing.
  const lock = lockStateDir(resolve(opts.stateDir));
  try {
    await runDemo(opts, lock);
  } finally {
    lock.release();
  }
}

async function runDemo(opts: DemoOptions, lock: StateLock): Promise<void> {
  await replaceDemoWarehouse(resolve(opts.warehouse));
  console.log('starting a sandbox MariaDB with binlog on …');
  await using db = await startMariaDb();
  const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  const counts = new Map<string, bigint>();
  try {
    await loadSampleDatabase(source);
    for (const t of ['customer', 'product', 'orders', 'order_item', 'audit_note']) {
      const r = await source.query(`SELECT COUNT(*) FROM shop.${t}`);
      counts.set(t, BigInt(String(r[0]![0])));
    }
  } finally {
    await source.close();
  }
  const warehouse = resolve(opts.warehouse);
  const name = `demo-${Date.now()}`;
  const spec = JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'duckdb', path: warehouse },
    migrationTypes: ['schema', 'full'],
    objects: [{ database: 'shop' }],
    conflictMode: 'ignore',
  });
  const { task } = await migrate({ specText: spec, stateDir: opts.stateDir, json: false, lock });
  const w = await DuckDbWarehouse.open(warehouse);
  try {
    console.log(
      `\nwarehouse ${warehouse}  (task ${task.name}: ${task.stage === Stage.STAGE_COMPLETED ? 'completed' : 'not completed'})`,
    );
    console.log(`  ${'table'.padEnd(24)} ${'source rows'.padStart(12)} ${'warehouse rows'.padStart(15)}`);
    let ok = true;
    for (const [t, n] of counts) {
      const got = await w.rowCount('shop', `${t}_base`);
      ok &&= got === n;
      console.log(
        `  ${`shop.${t}_base`.padEnd(24)} ${String(n).padStart(12)} ${String(got).padStart(15)}${got === n ? '' : '  MISMATCH'}`,
      );
    }
    if (!ok) throw new Error('row counts differ between source and warehouse');
    // No DuckDB shell on a fresh machine: the CLI itself reads the file.
    const cli = relative(process.cwd(), fileURLToPath(new URL('../../../../bin/tidewater', import.meta.url)));
    console.log(
      `\nquery it:  ${cli.includes('/') ? cli : `./${cli}`} query --warehouse ${relative(process.cwd(), warehouse) || warehouse} "SELECT * FROM shop.customer_base LIMIT 5"`,
    );
  } finally {
    await w.close();
  }
}

/**
 * Each demo run starts from an empty warehouse. A file holding anything but earlier demo
 * runs is never touched.
 */
async function replaceDemoWarehouse(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const w = await DuckDbWarehouse.open(path);
  let owners: string[];
  try {
    owners = await w.ownerTasks();
  } finally {
    await w.close();
  }
  if (owners.some((o) => !o.startsWith('demo-'))) {
    throw new TidewaterError(
      'TW_DEST_CONFLICT',
      `${path} holds tables of other tasks (${owners.filter((o) => !o.startsWith('demo-')).join(', ')})`,
      {
        subject: path,
        fix: 'pass another file with --warehouse, e.g. tidewater demo --warehouse ./demo.duckdb',
      },
    );
  }
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
}
