import { isTidewaterError } from '@tidewater/errors';
import { text } from './binlog-settings.js';
import type { Rows } from './schema-reader.js';
import type { BinlogCoordinates, BinlogState } from './types.js';

/**
 * The end of the source's binlog now, with the GTIDs executed up to exactly there: MySQL's
 * status row carries its set (Executed_Gtid_Set); MariaDB maps the coordinates to its GTID
 * position with BINLOG_GTID_POS. Undefined when binary logging is off.
 */
export async function readBinlogEnd(rows: Rows, flavor: 'mariadb' | 'mysql'): Promise<BinlogCoordinates | undefined> {
  const during = 'reading the binlog position';
  // MySQL 8.4 removed SHOW MASTER STATUS in favour of SHOW BINARY LOG STATUS.
  const [row] = await rows('SHOW MASTER STATUS', [], during).catch(() => rows('SHOW BINARY LOG STATUS', [], during));
  if (!row) return undefined;
  const file = text(row[0]);
  const pos = BigInt(text(row[1]));
  const gtid =
    flavor === 'mysql'
      ? text(row[4]).replace(/\s+/g, '')
      : text((await rows('SELECT BINLOG_GTID_POS(?, ?)', [file, pos.toString()], during))[0]?.[0]);
  return { file, pos, gtid, server: await readServer(rows, flavor) };
}

async function readBinlogFileSizes(rows: Rows): Promise<{ name: string; size: bigint }[] | undefined> {
  try {
    return (await rows('SHOW BINARY LOGS', [], 'listing the binary logs')).map((r) => ({
      name: text(r[0]),
      size: BigInt(text(r[1]) || '0'),
    }));
  } catch (e) {
    if (isTidewaterError(e) && e.details.driverCode === 'ER_NO_BINARY_LOGGING') return undefined;
    throw e;
  }
}

/**
 * Which server's binlog a position belongs to: MySQL's server_uuid; MariaDB has none, its
 * server_id (unique within a replication topology) names it.
 */
async function readServer(rows: Rows, flavor: 'mariadb' | 'mysql'): Promise<string> {
  const name = flavor === 'mysql' ? 'server_uuid' : 'server_id';
  const found = await rows('SHOW GLOBAL VARIABLES WHERE Variable_name = ?', [name], 'reading the server identity');
  return `${flavor}:${text(found.find((r) => text(r[0]).toLowerCase() === name)?.[1])}`;
}

/** What capture checks a saved position against before resuming (libs/binlog resume-plan.ts). */
export async function readBinlogState(
  rows: Rows,
  flavor: 'mariadb' | 'mysql',
  at?: { file: string; pos: bigint },
): Promise<BinlogState | undefined> {
  const files = await readBinlogFileSizes(rows);
  if (!files) return undefined;
  // MariaDB names the GTID position of any place in its binlog: what a saved position must match.
  const gtidAt =
    flavor === 'mariadb' && at && files.some((f) => f.name === at.file && f.size >= at.pos)
      ? text(
          (
            await rows('SELECT BINLOG_GTID_POS(?, ?)', [at.file, at.pos.toString()], 'reading the GTID position')
          )[0]?.[0],
        )
      : undefined;
  const names = flavor === 'mysql' ? ['gtid_executed', 'gtid_mode'] : ['gtid_binlog_pos'];
  const vars = new Map(
    (
      await rows(
        `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(', ')})`,
        names,
        'reading the GTID state',
      )
    ).map((r) => [text(r[0]).toLowerCase(), text(r[1])]),
  );
  return {
    server: await readServer(rows, flavor),
    files,
    gtid: (vars.get(names[0]!) ?? '').replace(/\s+/g, ''),
    // MariaDB's binlog always carries GTIDs; MySQL's only under gtid_mode=ON.
    gtidResume: flavor === 'mariadb' || /^ON$/i.test(vars.get('gtid_mode') ?? ''),
    ...(gtidAt !== undefined ? { gtidAt } : {}),
  };
}
