import mysql from 'mysql2/promise';
import type { BinlogPosition } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { sourceError } from '@tidewater/mysql-source';
import { makePosition } from './position.js';
import type { SourceConnection } from './types.js';

const BINLOG_OFF_FIX = 'start the server with log_bin=ON, binlog_format=ROW, binlog_row_image=FULL';

/**
 * One short session on the source. Errors are classified by driver code: an outage gets the
 * connection retry window, a refused login fails at once, as everywhere else the source is read.
 */
async function withSession<T>(conn: SourceConnection, during: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ host: conn.host, port: conn.port, user: conn.user, password: conn.password });
    return await fn(c);
  } catch (e) {
    throw sourceError(e, conn, during);
  } finally {
    await c?.end().catch(() => undefined);
  }
}

/** The end of the source's binlog now: where a capture starting now begins. */
export async function currentBinlogPosition(conn: SourceConnection): Promise<BinlogPosition> {
  return withSession(conn, 'reading the binlog position', async (c) => {
    // MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS.
    const [rows] = await c.query('SHOW MASTER STATUS').catch(() => c.query('SHOW BINARY LOG STATUS'));
    const row = (rows as Record<string, unknown>[])[0];
    if (!row) throw new TidewaterError('TW_BINLOG_CONFIG', `binary logging is off on ${conn.host}:${conn.port}`, { fix: BINLOG_OFF_FIX });
    const [vars] = await c.query("SHOW VARIABLES WHERE Variable_name IN ('gtid_current_pos', 'gtid_executed')");
    const gtid = (vars as { Value: string }[]).map((v) => v.Value).find((v) => v) ?? '';
    return makePosition(String(row.File), BigInt(String(row.Position)), gtid);
  });
}

/** The binlog files the source still has, oldest first (SHOW BINARY LOGS). */
export async function binlogFiles(conn: SourceConnection): Promise<string[]> {
  return withSession(conn, 'listing the binary logs', async (c) => {
    const [rows] = await c.query('SHOW BINARY LOGS').catch((e: unknown) => {
      if ((e as { code?: unknown }).code === 'ER_NO_BINARY_LOGGING') {
        throw new TidewaterError('TW_BINLOG_CONFIG', `binary logging is off on ${conn.host}:${conn.port}`, { fix: BINLOG_OFF_FIX });
      }
      throw e;
    });
    return (rows as { Log_name: string }[]).map((r) => String(r.Log_name));
  });
}
