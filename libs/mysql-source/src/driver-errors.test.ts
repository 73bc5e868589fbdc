import { describe, expect, it } from 'vitest';
import { mapDriverError } from './driver-errors.js';

const ctx = { host: 'db.local', port: 3306, user: 'dts', password: 'S3cr3t!pw' };
const driverError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('mapDriverError', () => {
  it('maps refused connections to TW_SOURCE_UNREACHABLE, including empty AggregateErrors', () => {
    const agg = Object.assign(
      new AggregateError(
        [
          driverError('ECONNREFUSED', 'connect ECONNREFUSED ::1:3306'),
          driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306'),
        ],
        '',
      ),
      { code: 'ECONNREFUSED' },
    );
    const e = mapDriverError(agg, ctx, 'connecting');
    expect(e.code).toBe('TW_SOURCE_UNREACHABLE');
    expect(e.message).toBe(
      'cannot reach source at db.local:3306: connect ECONNREFUSED ::1:3306; connect ECONNREFUSED 127.0.0.1:3306',
    );
    expect(e.retriable).toBe(true);
  });

  it('maps access denied to TW_SOURCE_AUTH naming the user, never the password', () => {
    const e = mapDriverError(
      driverError('ER_ACCESS_DENIED_ERROR', "Access denied for user 'dts'@'10.0.0.1' (using password: YES) S3cr3t!pw"),
      ctx,
      'connecting',
    );
    expect(e.code).toBe('TW_SOURCE_AUTH');
    expect(e.message).toContain("user 'dts'");
    expect(e.message).toContain('db.local:3306');
    for (const t of [e.message, e.describe(), JSON.stringify(e.toJSON()), (e.cause as Error).message])
      expect(t).not.toContain('S3cr3t!pw');
  });

  it('classifies a binlog stream by driver code: 1236 is a purged binlog, other failures a lost source', () => {
    const fatal = Object.assign(new Error('Could not find first log file name in binary log index file'), {
      code: 'ER_MASTER_FATAL_ERROR_READING_BINLOG',
      errno: 1236,
    });
    const stream = { ...ctx, binlogStream: { from: { file: 'mysql-bin.000001', pos: 4n } } };
    const purged = mapDriverError(fatal, stream, 'streaming the binlog');
    expect(purged).toMatchObject({ code: 'TW_BINLOG_PURGED', retriable: false, details: { driverCode: 1236 } });
    expect(purged.message).toContain('mysql-bin.000001:4');
    expect(mapDriverError(driverError('ER_UNKNOWN_ERROR', 'boom'), stream, 'streaming the binlog').code).toBe(
      'TW_SOURCE_UNREACHABLE',
    );
    expect(
      mapDriverError(driverError('ER_ACCESS_DENIED_ERROR', 'Access denied'), stream, 'streaming the binlog').code,
    ).toBe('TW_SOURCE_AUTH');
  });

  it('maps privilege, missing-object and filter errors', () => {
    expect(mapDriverError(driverError('ER_TABLEACCESS_DENIED_ERROR', 'SELECT command denied'), ctx, 'x').code).toBe(
      'TW_SOURCE_PRIVILEGES',
    );
    expect(
      mapDriverError(driverError('ER_NO_SUCH_TABLE', "Table 'a.b' doesn't exist"), { ...ctx, subject: 'a.b' }, 'x')
        .code,
    ).toBe('TW_OBJECT_NOT_FOUND');
    expect(
      mapDriverError(driverError('ER_BAD_FIELD_ERROR', "Unknown column 'q'"), { ...ctx, filterSql: 'q = 1' }, 'x').code,
    ).toBe('TW_SPEC_INVALID');
    expect(mapDriverError(driverError('ER_BAD_FIELD_ERROR', "Unknown column 'q'"), ctx, 'x').code).toBe(
      'TW_SOURCE_QUERY',
    );
    expect(mapDriverError(driverError('ER_LOCK_WAIT_TIMEOUT', 'Lock wait timeout'), ctx, 'x').code).toBe(
      'TW_SOURCE_QUERY',
    );
  });
});
