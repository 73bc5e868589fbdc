import type { TableSchema } from '@tidewater/proto';
import type { HeartbeatOptions, SourceSpec } from '@tidewater/config';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import type { Logger } from '@tidewater/telemetry';
import type { RowsEvent } from '@tidewater/binlog';

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * DTS's heartbeat table: a row per task in the source, rewritten every interval with the
 * source's clock. Its binlog events travel the whole pipeline, so the destination's lag is
 * measured even while the migrated tables are idle. Only written when the task enables it.
 */
export class HeartbeatWriter {
  private timer: NodeJS.Timeout | undefined;
  private constructor(
    private readonly source: SourceClient,
    private readonly table: string,
    readonly schema: TableSchema,
    private readonly taskId: string,
    private readonly log: Logger,
  ) {}

  static async start(conn: SourceSpec, opts: HeartbeatOptions, taskId: string, log: Logger): Promise<HeartbeatWriter> {
    const [db, table] = opts.table.split('.') as [string, string];
    const source = await openSource(conn, { poolSize: 1 });
    try {
      await source.query(`CREATE DATABASE IF NOT EXISTS ${quote(db)}`);
      await source.query(
        `CREATE TABLE IF NOT EXISTS ${quote(db)}.${quote(table)} (task_id VARCHAR(64) PRIMARY KEY, beat_ms BIGINT NOT NULL)`,
      );
      const [schema] = await source.readSchemas([{ database: db, tables: [table] }]);
      const w = new HeartbeatWriter(source, `${quote(db)}.${quote(table)}`, schema!, taskId, log);
      w.timer = setInterval(() => void w.beat(), opts.intervalMs);
      return w;
    } catch (e) {
      await source.close();
      throw e;
    }
  }

  /**
   * The beats (source times) a rows event carries when it is the heartbeat table's, else
   * undefined. Heartbeat rows measure lag; they are not migrated.
   */
  beatsIn(ev: RowsEvent): bigint[] | undefined {
    const ref = this.schema.source!;
    if (`${ev.table.database}.${ev.table.table}` !== `${ref.database}.${ref.table}`) return undefined;
    const beats: bigint[] = [];
    for (const r of ev.rows) {
      const ms = this.beatOf(r.after);
      if (ms !== undefined) beats.push(ms);
    }
    return beats;
  }

  /** The heartbeat row's time, when `values` are a row of the heartbeat table for this task. */
  private beatOf(values: readonly unknown[] | undefined): bigint | undefined {
    if (!values || values[0] !== this.taskId) return undefined;
    const ms = values[1];
    return typeof ms === 'bigint' ? ms : typeof ms === 'number' ? BigInt(ms) : undefined;
  }

  private async beat(): Promise<void> {
    try {
      await this.source.query(
        `INSERT INTO ${this.table} (task_id, beat_ms) VALUES (?, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000)) ON DUPLICATE KEY UPDATE beat_ms = VALUES(beat_ms)`,
        [this.taskId],
      );
    } catch (e) {
      this.log.warn('heartbeat write failed', { task: this.taskId, err: e });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.source.close();
  }
}
