import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDbServer } from '@tidewater/testkit';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { CheckStatus, type PrecheckItem } from '@tidewater/proto';
import { validateTaskSpec } from '@tidewater/config';
import { runPrecheck } from './index.js';

// Foreign-key actions and triggers on selected tables, as information_schema of a real MariaDB
// reports them, become the warnings source.foreign_keys and source.triggers. The binlog check
// shows the premise of the first: InnoDB's cascaded delete leaves no row event of the child.

let db: MariaDbServer;
let root: SourceClient;

beforeAll(async () => {
  db = await startMariaDb();
  root = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  await root.query('CREATE DATABASE r');
  await root.query('CREATE TABLE r.orders (id INT PRIMARY KEY, total INT)');
  await root.query(
    'CREATE TABLE r.line (id INT PRIMARY KEY, order_id INT, CONSTRAINT line_order FOREIGN KEY (order_id) REFERENCES r.orders (id) ON DELETE CASCADE)',
  );
  await root.query(
    'CREATE TABLE r.note (id INT PRIMARY KEY, order_id INT, CONSTRAINT note_order FOREIGN KEY (order_id) REFERENCES r.orders (id))',
  );
  await root.query('CREATE TABLE r.audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT)');
  await root.query(
    'CREATE TRIGGER r.orders_audit AFTER INSERT ON r.orders FOR EACH ROW INSERT INTO r.audit (order_id) VALUES (NEW.id)',
  );
}, 120_000);

afterAll(async () => {
  await root?.close();
  await db?.stop();
});

async function items(
  tables: string[],
  migrationTypes = ['schema', 'full', 'incremental'],
): Promise<Map<string, PrecheckItem>> {
  const spec = validateTaskSpec({
    name: 'risks',
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    migrationTypes,
    objects: [{ database: 'r', tables }],
  });
  return new Map((await runPrecheck(spec)).map((i) => [i.name, i]));
}

describe('foreign-key and trigger warnings against a real MariaDB', () => {
  it('warns about the cascading foreign key and the trigger writing a selected table, with the fix', async () => {
    const all = await items(['orders', 'line', 'note', 'audit']);
    const fk = all.get('source.foreign_keys')!;
    expect(fk.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
    expect(fk.message).toContain('r.line (line_order → r.orders ON DELETE CASCADE)');
    expect(fk.message).not.toContain('note_order');
    expect(fk.fix).toMatch(/exclude the child table/);
    const trg = all.get('source.triggers')!;
    expect(trg.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
    expect(trg.message).toContain('r.orders_audit (AFTER INSERT on r.orders) writes r.audit');
    // Warnings only: nothing else fails because of them.
    expect([...all.values()].filter((i) => i.status === CheckStatus.CHECK_STATUS_FAILED)).toEqual([]);
  });

  it('passes both when the child table and the trigger target are not selected, and skips them for full-only tasks', async () => {
    const some = await items(['orders', 'note']);
    expect(some.get('source.foreign_keys')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(some.get('source.triggers')!.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
    const full = await items(['orders', 'line', 'audit'], ['schema', 'full']);
    expect(full.has('source.foreign_keys')).toBe(false);
    expect(full.has('source.triggers')).toBe(false);
  });

  it('the cascaded delete of r.line is not in the binlog: only the parent has a row event', async () => {
    await root.query('INSERT INTO r.orders VALUES (1, 10)');
    await root.query('INSERT INTO r.line VALUES (1, 1), (2, 1)');
    const [end] = await root.query('SHOW MASTER STATUS');
    await root.query('DELETE FROM r.orders WHERE id = 1');
    expect(await root.query('SELECT count(*) FROM r.line')).toEqual([[0n]]);
    const events = await root.query(`SHOW BINLOG EVENTS IN '${String(end![0])}' FROM ${String(end![1])}`);
    // MariaDB maps both tables (Table_map), but only the parent has a row event.
    const tableIds = new Map<string, string>();
    const rowEventTables: string[] = [];
    for (const e of events) {
      const [type, info] = [String(e[2]), String(e[5])];
      const map = /^table_id: (\d+) \((.+)\)$/.exec(info);
      if (type === 'Table_map' && map) tableIds.set(map[1]!, map[2]!);
      const rows = /^table_id: (\d+)/.exec(info);
      if (/_rows/.test(type) && rows) rowEventTables.push(tableIds.get(rows[1]!) ?? rows[1]!);
    }
    expect(rowEventTables).toEqual(['r.orders']);
  });
});
