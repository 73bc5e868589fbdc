import type { SourceClient } from '@tidewater/mysql-source';

/**
 * The demo's sample `shop` database: a few tables with the types users meet most (exact
 * money, unsigned ids, microsecond times, emoji, JSON, blobs), a composite key and an
 * empty table.
 */
export async function loadSampleDatabase(
  source: SourceClient,
  customers = 2_000,
  ordersPerCustomer = 5,
): Promise<void> {
  const q = (sql: string) => source.query(sql);
  await q('CREATE DATABASE IF NOT EXISTS shop CHARACTER SET utf8mb4');
  await q('DROP TABLE IF EXISTS shop.order_item, shop.orders, shop.customer, shop.product, shop.audit_note');
  await q(`CREATE TABLE shop.customer (
    id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200), balance DECIMAL(20,4) NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL, profile JSON, avatar BLOB) ENGINE=InnoDB`);
  await q(
    `CREATE TABLE shop.product (sku VARCHAR(32) PRIMARY KEY, title VARCHAR(200) NOT NULL, price DECIMAL(12,2) NOT NULL, weight_kg DOUBLE, tags SET('new','sale','eco'))`,
  );
  await q(`CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id BIGINT UNSIGNED NOT NULL, status ENUM('new','paid','shipped','cancelled') NOT NULL,
    total DECIMAL(14,2) NOT NULL, placed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))`);
  await q(
    `CREATE TABLE shop.order_item (order_id BIGINT NOT NULL, line_no SMALLINT NOT NULL, sku VARCHAR(32) NOT NULL, qty INT NOT NULL, PRIMARY KEY (order_id, line_no))`,
  );
  await q(`CREATE TABLE shop.audit_note (id INT PRIMARY KEY, note TEXT)`);
  const products = Array.from(
    { length: 50 },
    (_, i) =>
      `('SKU-${String(i).padStart(4, '0')}', 'Product ${i} ${i % 7 === 0 ? '🌊' : ''}', ${(i * 3.17 + 1).toFixed(2)}, ${i / 10}, '${['new', 'sale', 'eco', 'new,eco'][i % 4]}')`,
  );
  await q(`INSERT INTO shop.product VALUES ${products.join(',')}`);
  for (let start = 1; start <= customers; start += 500) {
    const rows: string[] = [];
    for (let id = start; id < Math.min(start + 500, customers + 1); id++) {
      rows.push(
        `(${id}, 'Customer ${id}${id % 97 === 0 ? ' 😀' : ''}', ${id % 5 === 0 ? 'NULL' : `'c${id}@example.com'`}, ${(id * 12.3456).toFixed(4)}, '2024-0${(id % 9) + 1}-1${id % 10} 10:${String(id % 60).padStart(2, '0')}:00.${String(id).padStart(6, '0').slice(-6)}', '{"tier": ${id % 3}}', ${id % 11 === 0 ? "X'00FF10'" : 'NULL'})`,
      );
    }
    await q(`INSERT INTO shop.customer VALUES ${rows.join(',')}`);
  }
  for (let c = 1; c <= customers; c += 400) {
    const orders: string[] = [];
    for (let id = c; id < Math.min(c + 400, customers + 1); id++) {
      for (let k = 0; k < ordersPerCustomer; k++)
        orders.push(
          `(${id}, '${['new', 'paid', 'shipped', 'cancelled'][(id + k) % 4]}', ${((id * 7 + k * 13) % 1000) + 0.99})`,
        );
    }
    await q(`INSERT INTO shop.orders (customer_id, status, total) VALUES ${orders.join(',')}`);
  }
  await q(
    `INSERT INTO shop.order_item SELECT o.id, n.n, CONCAT('SKU-', LPAD((o.id * n.n) % 50, 4, '0')), n.n FROM shop.orders o JOIN (SELECT 1 n UNION ALL SELECT 2 UNION ALL SELECT 3) n`,
  );
}
