import { describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { startSourceEngine, testEngines } from './index.js';

// Every engine of TIDEWATER_TEST_ENGINES (default: the local MariaDB) comes up as a source
// incremental migration accepts: binlog on, ROW, FULL images, GTID on where it is a switch.
describe.each(await testEngines())('source engine $name', (engine) => {
  it('starts with binlog ROW/FULL and GTIDs', async () => {
    await using db = await startSourceEngine(engine);
    const c = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password });
    try {
      const [rows] = await c.query('SELECT @@log_bin AS b, @@binlog_format AS f, @@binlog_row_image AS i');
      expect(rows).toEqual([{ b: 1, f: 'ROW', i: 'FULL' }]);
      const [version] = await c.query('SELECT VERSION() AS v');
      const mariadb = /mariadb/i.test((version as { v: string }[])[0]!.v);
      const [gtid] = await c.query(
        mariadb ? 'SELECT @@gtid_strict_mode IS NOT NULL AS g' : "SELECT @@gtid_mode = 'ON' AS g",
      );
      expect(gtid).toEqual([{ g: 1 }]);
    } finally {
      await c.end();
    }
  });
});
