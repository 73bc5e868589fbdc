import { describe, expect, it } from 'vitest';
import { settingsFrom } from './binlog-settings.js';

describe('settingsFrom', () => {
  it('reads a MariaDB server', () => {
    const vars = new Map([
      ['log_bin', 'ON'],
      ['binlog_format', 'ROW'],
      ['binlog_row_image', 'FULL'],
      ['binlog_expire_logs_seconds', '0'],
      ['expire_logs_days', '7.000000'],
    ]);
    expect(settingsFrom('10.11.19-MariaDB-0+deb12u1-log', vars)).toEqual({
      logBin: true,
      format: 'ROW',
      rowImage: 'FULL',
      expireSeconds: 604_800,
      flavor: 'mariadb',
      version: '10.11.19-MariaDB-0+deb12u1-log',
      compression: false,
      partialJson: false,
    });
  });

  it('reads a MySQL 8 server with compression, partial JSON and GTIDs', () => {
    const vars = new Map([
      ['log_bin', 'ON'],
      ['binlog_format', 'ROW'],
      ['binlog_row_image', 'MINIMAL'],
      ['binlog_expire_logs_seconds', '2592000'],
      ['expire_logs_days', '0'],
      ['binlog_transaction_compression', 'ON'],
      ['binlog_row_value_options', 'PARTIAL_JSON'],
      ['gtid_mode', 'ON'],
    ]);
    expect(settingsFrom('8.0.36', vars)).toEqual({
      logBin: true,
      format: 'ROW',
      rowImage: 'MINIMAL',
      expireSeconds: 2_592_000,
      gtidMode: 'ON',
      flavor: 'mysql',
      version: '8.0.36',
      compression: true,
      partialJson: true,
    });
  });

  it('takes PolarDB polar_log_bin, and null retention when nothing expires', () => {
    const s = settingsFrom(
      '8.0.18',
      new Map([
        ['log_bin', 'OFF'],
        ['loose_polar_log_bin', 'ON'],
        ['binlog_format', 'row'],
      ]),
    );
    expect(s).toMatchObject({
      logBin: true,
      format: 'ROW',
      rowImage: '',
      expireSeconds: null,
      compression: false,
      partialJson: false,
    });
    expect(settingsFrom('8.0.18', new Map([['log_bin', 'OFF']])).logBin).toBe(false);
  });
});
