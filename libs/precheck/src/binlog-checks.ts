import { CheckStatus, type PrecheckItem } from '@tidewater/proto';
import type { BinlogSettings } from '@tidewater/mysql-source';

const DAY = 86_400;

/**
 * Binlog precheck items for incremental migration (docs/dts-compatibility.md, "Precheck"): what the reader
 * needs to see every change with full row images, for long enough to survive an outage.
 */
export function binlogChecks(s: BinlogSettings): PrecheckItem[] {
  const item = (name: string, ok: boolean, message: string, fix: string, warnOnly = false): PrecheckItem => ({
    name,
    status: ok
      ? CheckStatus.CHECK_STATUS_PASSED
      : warnOnly
        ? CheckStatus.CHECK_STATUS_WARNING
        : CheckStatus.CHECK_STATUS_FAILED,
    message,
    fix: ok ? '' : fix,
  });
  const cnf =
    s.flavor === 'mariadb'
      ? 'my.cnf [mariadbd]'
      : 'my.cnf [mysqld] (PolarDB: the console parameter loose_polar_log_bin)';
  const items = [
    item(
      'binlog.enabled',
      s.logBin,
      `log_bin is ${s.logBin ? 'ON' : 'OFF'}`,
      `enable the binary log: set log_bin in ${cnf} and restart the server`,
    ),
    item(
      'binlog.format',
      s.format === 'ROW',
      `binlog_format is ${s.format}`,
      'SET GLOBAL binlog_format = ROW (and in my.cnf); statement-based logs cannot be replayed row by row',
    ),
    item(
      'binlog.row_image',
      s.rowImage === 'FULL',
      `binlog_row_image is ${s.rowImage}`,
      'SET GLOBAL binlog_row_image = FULL (and in my.cnf): the merge needs complete before and after images',
    ),
    item(
      'binlog.compression',
      !s.compression,
      `binlog_transaction_compression is ${s.compression ? 'ON' : 'OFF'}`,
      'SET GLOBAL binlog_transaction_compression = OFF: compressed transactions cannot be decoded',
    ),
    item(
      'binlog.partial_json',
      !s.partialJson,
      `binlog_row_value_options is ${s.partialJson ? 'PARTIAL_JSON' : "''"}`,
      "SET GLOBAL binlog_row_value_options = '' (and in my.cnf): partial JSON updates are logged as diffs the reader cannot apply",
    ),
  ];
  const retention = s.expireSeconds;
  if (retention === null) {
    items.push(item('binlog.retention', true, 'binary logs are never purged automatically', ''));
  } else if (retention < 3 * DAY) {
    items.push(
      item(
        'binlog.retention',
        false,
        `binary logs are kept ${(retention / DAY).toFixed(1)} days`,
        'keep binary logs at least 3 days (7 recommended): SET GLOBAL binlog_expire_logs_seconds = 604800',
      ),
    );
  } else {
    items.push(
      item(
        'binlog.retention',
        retention >= 7 * DAY,
        `binary logs are kept ${(retention / DAY).toFixed(1)} days`,
        'keeping binary logs 7 days is recommended: SET GLOBAL binlog_expire_logs_seconds = 604800',
        true,
      ),
    );
  }
  return items;
}

export function failures(items: readonly PrecheckItem[]): PrecheckItem[] {
  return items.filter((i) => i.status === CheckStatus.CHECK_STATUS_FAILED);
}
