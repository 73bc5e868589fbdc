import type { SourceClient } from '@tidewater/mysql-source';
import { RandomWriter } from '../../apps/cli/src/testing/writer.js';
import type { SoakSource } from './source-side.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WriterStats {
  transactions: number;
  statements: number;
  errorsDown: number;
  errorsOther: number;
  sample: string;
}

export interface LoadOptions {
  readonly source: SoakSource;
  readonly seed: number;
  readonly until: number;
  /** Whether the source is down or just back (writer errors then are expected). */
  readonly isDown: () => boolean;
  /** At most this many transactions a second on average; unset: as fast as one session goes. */
  readonly rate?: number;
}

/** Inserted keys on the promoted replica start here, apart from the primary's (from 1,000,000). */
const REPLICA_FIRST_ID = 100_000_000;

/**
 * Runs RandomWriter one transaction at a time until `until`, retrying past errors (counted)
 * instead of stopping. After the failover it writes to the replica with a new writer and key range.
 */
export async function writeUntil(o: LoadOptions): Promise<WriterStats> {
  const stats: WriterStats = { transactions: 0, statements: 0, errorsDown: 0, errorsOther: 0, sample: '' };
  const counted = (source: SourceClient) =>
    new Proxy(source, {
      get(target, p, receiver) {
        if (p !== 'query') return Reflect.get(target, p, receiver) as unknown;
        return async (sql: string) => {
          const r = await target.query(sql);
          if (!/^(BEGIN|COMMIT|ROLLBACK)$/.test(sql)) stats.statements++;
          return r;
        };
      },
    });
  let session = o.source.writes;
  let writer = new RandomWriter(counted(session), o.seed);
  let next = Date.now();
  while (Date.now() < o.until) {
    if (o.rate) {
      // Paced, with at most a second's worth of catching up after the writer was held or slow.
      next = Math.max(next + 1000 / o.rate, Date.now() - 1000);
      await sleep(next - Date.now());
    }
    const failed = await o.source.turn(async () => {
      if (o.source.writes !== session) {
        session = o.source.writes;
        writer = new RandomWriter(counted(session), o.seed + 1, REPLICA_FIRST_ID);
      }
      try {
        await writer.run(1);
        stats.transactions++;
        return false;
      } catch (e) {
        if (o.isDown()) stats.errorsDown++;
        else {
          stats.errorsOther++;
          stats.sample ||= (e as Error).message.slice(0, 120);
        }
        await session.query('ROLLBACK').catch(() => undefined);
        return true;
      }
    });
    if (failed) await sleep(200);
  }
  return stats;
}

/** Runs the ADD COLUMN once the source takes it (it may be down); the time it ran, in seconds since `started`. */
export async function addColumnAt(
  source: SoakSource,
  at: number,
  started: number,
  log: (line: string) => void,
): Promise<number> {
  await sleep(Math.max(0, at - Date.now()));
  for (;;) {
    const ran = await source.turn(async () => {
      try {
        await source.ddl.query(`ALTER TABLE inc.acct ADD COLUMN tag VARCHAR(10) DEFAULT 'x'`);
        return true;
      } catch (e) {
        // Ran, but the answer was lost to a restart: the column is there.
        return /Duplicate column/i.test((e as Error).message);
      }
    });
    if (ran) break;
    await sleep(500);
  }
  const t = (Date.now() - started) / 1000;
  log(`t=${t.toFixed(1)}s ALTER TABLE inc.acct ADD COLUMN tag`);
  return t;
}
