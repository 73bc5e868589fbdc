import mysql from 'mysql2/promise';
import type { BinlogPosition } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { sourceError } from '@tidewater/mysql-source';
import { makePosition } from './position.js';
import type { SourceConnection } from './types.js';

/** The end of the source's binlog now: where a capture starting now begins. */
export async function currentBinlogPosition(conn: SourceConnection): Promise<BinlogPosition> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ host: conn.host, port: conn.port, user: conn.user, password: conn.password });
    // MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS.
    const [rows] = await c.query('SHOW MASTER STATUS').catch(() => c!.query('SHOW BINARY LOG STATUS'));
    const row = (rows as Record<string, unknown>[])[0];
    if (!row) {
      throw new TidewaterError('TW_BINLOG_CONFIG', `binary logging is off on ${conn.host}:${conn.port}`, { fix: 'start the server with log_bin=ON, binlog_format=ROW, binlog_row_image=FULL' });
    }
    const [vars] = await c.query("SHOW VARIABLES WHERE Variable_name IN ('gtid_current_pos', 'gtid_executed')");
    const gtid = (vars as { Value: string }[]).map((v) => v.Value).find((v) => v) ?? '';
    return makePosition(String(row.File), BigInt(String(row.Position)), gtid);
  } catch (e) {
    // Classified by driver code: an outage gets the connection retry window, a refused
    // login fails at once, as everywhere else the source is read.
    throw sourceError(e, conn, 'reading the binlog position');
  } finally {
    await c?.end().catch(() => undefined);
  }
}
