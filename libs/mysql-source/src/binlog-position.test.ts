import { describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import { readBinlogEnd, readBinlogState } from './binlog-position.js';
import type { Rows } from './schema-reader.js';

const answering =
  (answers: Record<string, unknown[][] | Error>): Rows =>
  async (sql) => {
    const a = answers[sql.split(' WHERE')[0]!];
    if (a === undefined || a instanceof Error) throw a ?? new Error(`unexpected ${sql}`);
    return a as never;
  };

describe('binlog position reads', () => {
  it('reads the binlog end with its exact GTID set from the status row (MySQL 8.4 falls back to SHOW BINARY LOG STATUS)', async () => {
    const rows = answering({
      'SHOW MASTER STATUS': new Error('removed'),
      'SHOW BINARY LOG STATUS': [
        ['binlog.000003', '4711', '', '', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n9f0e:1-2'],
      ],
      'SHOW GLOBAL VARIABLES': [['server_uuid', '3e11fa47-71ca-11e1-9e33-c80aa9429562']],
    });
    expect(await readBinlogEnd(rows, 'mysql')).toEqual({
      file: 'binlog.000003',
      pos: 4711n,
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,9f0e:1-2',
      server: 'mysql:3e11fa47-71ca-11e1-9e33-c80aa9429562',
    });
  });

  it('maps MariaDB coordinates to the GTID position at exactly there, and names the server by server_id', async () => {
    const rows = answering({
      'SHOW MASTER STATUS': [['binlog.000002', '900', '', '']],
      'SELECT BINLOG_GTID_POS(?, ?)': [['0-1-42']],
      'SHOW GLOBAL VARIABLES': [['server_id', '7']],
    });
    expect(await readBinlogEnd(rows, 'mariadb')).toEqual({
      file: 'binlog.000002',
      pos: 900n,
      gtid: '0-1-42',
      server: 'mariadb:7',
    });
  });

  it('says binary logging is off by undefined: no status row, or ER_NO_BINARY_LOGGING', async () => {
    expect(await readBinlogEnd(answering({ 'SHOW MASTER STATUS': [] }), 'mariadb')).toBeUndefined();
    const off = new TidewaterError('TW_SOURCE_QUERY', 'off', { driverCode: 'ER_NO_BINARY_LOGGING' });
    expect(await readBinlogState(answering({ 'SHOW BINARY LOGS': off }), 'mariadb')).toBeUndefined();
    await expect(
      readBinlogState(answering({ 'SHOW BINARY LOGS': new TidewaterError('TW_SOURCE_PRIVILEGES', 'denied') }), 'mysql'),
    ).rejects.toMatchObject({ code: 'TW_SOURCE_PRIVILEGES' });
  });

  it('reads the binlog state a resume is checked against: server, files with sizes, GTIDs, whether a GTID dump can start', async () => {
    const mysql = answering({
      'SHOW BINARY LOGS': [
        ['binlog.000001', '100', 'No'],
        ['binlog.000002', '200', 'No'],
      ],
      'SHOW GLOBAL VARIABLES': [
        ['gtid_executed', 'u:1-9,\nv:1'],
        ['gtid_mode', 'ON'],
        ['server_uuid', 'u'],
      ],
    });
    expect(await readBinlogState(mysql, 'mysql')).toEqual({
      server: 'mysql:u',
      files: [
        { name: 'binlog.000001', size: 100n },
        { name: 'binlog.000002', size: 200n },
      ],
      gtid: 'u:1-9,v:1',
      gtidResume: true,
    });
    const off = answering({
      'SHOW BINARY LOGS': [['binlog.000001', '100']],
      'SHOW GLOBAL VARIABLES': [['gtid_mode', 'OFF']],
    });
    expect((await readBinlogState(off, 'mysql'))?.gtidResume).toBe(false);
  });
});
