import type { BinlogPosition } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { openSource, type SourceClient, type SourceConnection } from '@tidewater/mysql-source';
import { makePosition } from './position.js';

const BINLOG_OFF_FIX = 'start the server with log_bin=ON, binlog_format=ROW, binlog_row_image=FULL';

/**
 * One short session on the source, through the source adapter (the mysql2 driver and its error
 * classification stay there): an outage gets the connection retry window, a refused login fails at once.
 */
async function withSource<T>(conn: SourceConnection, fn: (c: SourceClient) => Promise<T>): Promise<T> {
  const c = await openSource(conn, { poolSize: 1 });
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => undefined);
  }
}

function binlogOff(conn: SourceConnection): TidewaterError {
  return new TidewaterError('TW_BINLOG_CONFIG', `binary logging is off on ${conn.host}:${conn.port}`, {
    fix: BINLOG_OFF_FIX,
  });
}

/** The end of the source's binlog now: where a capture starting now begins. */
export async function currentBinlogPosition(conn: SourceConnection): Promise<BinlogPosition> {
  const end = await withSource(conn, (c) => c.binlogEnd());
  if (!end) throw binlogOff(conn);
  return makePosition(end.file, end.pos, { gtid: end.gtid, server: end.server });
}
