import type { SourceClient } from '@tidewater/mysql-source';

/**
 * A random OLTP writer for the incremental tests: single-row and multi-row transactions of
 * INSERT, UPDATE (also of the primary key) and DELETE over `inc.acct` and `inc.pair`.
 * Deterministic for a seed, so a failure can be replayed.
 */
export class RandomWriter {
  private nextId: number;
  private state: number;

  /** `firstNewId`: where inserted keys start; writers following one another need apart ranges. */
  constructor(
    private readonly source: SourceClient,
    seed: number,
    firstNewId = 1_000_000,
  ) {
    this.state = seed;
    this.nextId = firstNewId;
  }

  private rand(n: number): number {
    // xorshift32
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return (this.state >>> 0) % n;
  }

  private async op(): Promise<void> {
    const q = (sql: string) => this.source.query(sql);
    const id = 1 + this.rand(3000);
    switch (this.rand(7)) {
      case 0:
        await q(
          `INSERT INTO inc.acct (id, balance, note, updated) VALUES (${this.nextId++}, ${this.rand(100000) / 100}, 'n${this.rand(1000)} ✓', NOW(6))`,
        );
        return;
      case 1:
        await q(
          `UPDATE inc.acct SET balance = balance + ${this.rand(500) / 100}, note = CONCAT('u', ${this.rand(99)}) WHERE id = ${id}`,
        );
        return;
      case 2:
        await q(`DELETE FROM inc.acct WHERE id = ${id}`);
        return;
      case 3:
        // Primary-key change: the before image leaves one key, the after image enters another.
        await q(`UPDATE IGNORE inc.acct SET id = ${this.nextId++} WHERE id = ${id}`);
        return;
      case 4:
        await q(
          `INSERT INTO inc.pair VALUES ('${'abc'[this.rand(3)]}', ${this.rand(500)}, ${this.rand(1000)}) ON DUPLICATE KEY UPDATE v = v + 1`,
        );
        return;
      case 5:
        await q(`DELETE FROM inc.pair WHERE a = '${'abc'[this.rand(3)]}' AND b = ${this.rand(500)}`);
        return;
      default:
        await q(`UPDATE inc.acct SET balance = 0 WHERE id BETWEEN ${id} AND ${id + this.rand(5)}`);
    }
  }

  /** Runs `n` transactions, each of 1 to 4 statements. */
  async run(n: number, signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < n && !signal?.aborted; i++) {
      const statements = 1 + this.rand(4);
      if (statements === 1) {
        await this.op();
        continue;
      }
      await this.source.query('BEGIN');
      for (let s = 0; s < statements; s++) await this.op();
      await this.source.query('COMMIT');
    }
  }
}
