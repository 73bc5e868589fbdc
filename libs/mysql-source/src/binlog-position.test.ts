import { describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import { readBinlogEnd, readBinlogFiles } from './binlog-position.js';
import type { Rows } from './schema-reader.js';

const answering =
  (answers: Record<string, unknown[][] | Error>): Rows =>
  async (sql) => {
    const a = answers[sql.split(' WHERE')[0]!];
    if (a === undefined || a instanceof Error) throw a ?? new Error(`unexpected ${sql}`);
    return a as never;
  };

describe('binlog position reads', () => {
  it('reads the binlog end, falling back to SHOW BINARY LOG STATUS (MySQL 8.4), with the first non-empty GTID', async () => {
    const rows = answering({
      'SHOW MASTER STATUS': new Error('removed'),
      'SHOW BINARY LOG STATUS': [['binlog.000003', '4711', '', '']],
      'SHOW VARIABLES': [
        ['gtid_current_pos', ''],
        ['gtid_executed', '0-1-42'],
      ],
    });
    expect(await readBinlogEnd(rows)).toEqual({ file: 'binlog.000003', pos: 4711n, gtid: '0-1-42' });
  });

  it('says binary logging is off by undefined: no status row, or ER_NO_BINARY_LOGGING', async () => {
    expect(await readBinlogEnd(answering({ 'SHOW MASTER STATUS': [] }))).toBeUndefined();
    const off = new TidewaterError('TW_SOURCE_QUERY', 'off', { driverCode: 'ER_NO_BINARY_LOGGING' });
    expect(await readBinlogFiles(answering({ 'SHOW BINARY LOGS': off }))).toBeUndefined();
    expect(
      await readBinlogFiles(
        answering({
          'SHOW BINARY LOGS': [
            ['binlog.000001', 100],
            ['binlog.000002', 200],
          ],
        }),
      ),
    ).toEqual(['binlog.000001', 'binlog.000002']);
    await expect(
      readBinlogFiles(answering({ 'SHOW BINARY LOGS': new TidewaterError('TW_SOURCE_PRIVILEGES', 'denied') })),
    ).rejects.toMatchObject({ code: 'TW_SOURCE_PRIVILEGES' });
  });
});
