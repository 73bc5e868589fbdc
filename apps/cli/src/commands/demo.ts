import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startMariaDb } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { DuckDbWarehouse } from '@tidewater/duckdb-sink';
import { loadSampleDatabase } from '../sample-database.js';
import { migrate } from './migrate.js';

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
  const { task } = await migrate({ specText: spec, stateDir: opts.stateDir, json: false });
  const w = await DuckDbWarehouse.open(warehouse);
  try {
    console.log(`\nwarehouse ${warehouse}  (task ${task.name}: ${task.stage === 6 ? 'completed' : 'not completed'})`);
    console.log(`  ${'table'.padEnd(24)} ${'source rows'.padStart(12)} ${'warehouse rows'.padStart(15)}`);
    let ok = true;
    for (const [t, n] of counts) {
      const got = BigInt(String((await w.query(`SELECT COUNT(*) FROM shop.${t}_base`))[0]![0]));
      ok &&= got === n;
      console.log(`  ${`shop.${t}_base`.padEnd(24)} ${String(n).padStart(12)} ${String(got).padStart(15)}${got === n ? '' : '  MISMATCH'}`);
    }
    if (!ok) throw new Error('row counts differ between source and warehouse');
    console.log(`\nquery it:  duckdb ${warehouse} "SELECT * FROM shop.customer_base LIMIT 5"`);
  } finally {
    await w.close();
  }
}
