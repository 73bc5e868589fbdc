import { isTidewaterError } from '@tidewater/errors';
import { text } from './binlog-settings.js';
import type { Rows } from './schema-reader.js';
import type { BinlogCoordinates } from './types.js';

/** The end of the source's binlog now; undefined when binary logging is off. */
export async function readBinlogEnd(rows: Rows): Promise<BinlogCoordinates | undefined> {
  const during = 'reading the binlog position';
  // MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS.
  const [row] = await rows('SHOW MASTER STATUS', [], during).catch(() => rows('SHOW BINARY LOG STATUS', [], during));
  if (!row) return undefined;
  const vars = await rows("SHOW VARIABLES WHERE Variable_name IN ('gtid_current_pos', 'gtid_executed')", [], during);
  const gtid = vars.map((v) => text(v[1])).find((v) => v) ?? '';
  return { file: text(row[0]), pos: BigInt(text(row[1])), gtid };
}

/** The binlog files the source still has, oldest first; undefined when binary logging is off. */
export async function readBinlogFiles(rows: Rows): Promise<string[] | undefined> {
  try {
    return (await rows('SHOW BINARY LOGS', [], 'listing the binary logs')).map((r) => text(r[0]));
  } catch (e) {
    if (isTidewaterError(e) && e.details.driverCode === 'ER_NO_BINARY_LOGGING') return undefined;
    throw e;
  }
}
