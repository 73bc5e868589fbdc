import type { SourceClient } from '@tidewater/mysql-source';

/** A sysbench-like `bench.sbtest1` of n rows (INT PK, INT k, CHAR(120), CHAR(60)), loaded server-side. */
export async function loadSbtest(source: SourceClient, n: number): Promise<void> {
  await source.query('CREATE DATABASE bench');
  await source.query('CREATE TABLE bench.sbtest1 (id INT NOT NULL PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, KEY k_1 (k))');
  for (let start = 1; start <= n; start += 500_000) {
    const end = Math.min(n, start + 499_999);
    await source.query(`INSERT INTO bench.sbtest1 SELECT seq, FLOOR(RAND(seq) * ${n}), CONCAT(LPAD(seq, 11, '0'), '-', MD5(seq), '-', MD5(seq + 1), '-', LPAD(seq, 21, '7')), CONCAT(MD5(seq * 3), '-', LPAD(seq, 26, '5')) FROM bench.seq_${start}_to_${end}`);
  }
}
