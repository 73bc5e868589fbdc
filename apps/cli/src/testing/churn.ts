import type { SourceClient } from '@tidewater/mysql-source';

/**
 * Random writes to the `opt` tables of task-options.int.test.ts that move rows into and out of
 * the filter, change prices, keys, and delete.
 */
export async function churnOrders(source: SourceClient, seed: number, n: number): Promise<void> {
  let s = seed;
  const rand = (k: number) => (s = (s * 1103515245 + 12345) & 0x7fffffff) % k;
  const statuses = ["'new'", "'paid'", "'cancelled'", "'Cancelled'", "'shipped'", 'NULL'];
  for (let i = 0; i < n; i++) {
    const id = 1 + rand(2200);
    switch (rand(6)) {
      case 0:
        await source.query(`UPDATE opt.Orders SET Status = ${statuses[rand(statuses.length)]} WHERE Id = ${id}`);
        break;
      case 1:
        await source.query(`UPDATE opt.Orders SET Price = Price + 1.25, Note = 'changed' WHERE Id = ${id}`);
        break;
      case 2:
        await source.query(
          `INSERT IGNORE INTO opt.Orders VALUES (${3000 + i + seed}, ${statuses[rand(statuses.length)]}, ${rand(9000) / 100}, 'pw', 'ins')`,
        );
        break;
      case 3:
        await source.query(`DELETE FROM opt.Orders WHERE Id = ${id}`);
        break;
      case 4:
        await source.query(`UPDATE IGNORE opt.Orders SET Id = Id + 100000 WHERE Id = ${id}`);
        break;
      default:
        await source.query(`UPDATE opt.Customer SET name = CONCAT(name, '+') WHERE id = ${1 + rand(50)}`);
    }
  }
}
