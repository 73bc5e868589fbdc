import type { CanonicalValue } from '@tidewater/rowcodec';
import type { Rows } from './schema-reader.js';
import type { BinlogSettings } from './types.js';

/**
 * The server's binlog configuration, as precheck needs it. Read from SHOW GLOBAL VARIABLES
 * (no privilege needed), so variables a flavor or version lacks are simply absent:
 * - log_bin, or on PolarDB polar_log_bin / loose_polar_log_bin;
 * - retention: binlog_expire_logs_seconds (MySQL 8, MariaDB 10.6+) when > 0, else
 *   expire_logs_days * 86400 when > 0 (MariaDB allows fractional days), else null = never;
 * - binlog_transaction_compression exists from MySQL 8.0.20 only, binlog_row_value_options
 *   (PARTIAL_JSON) from MySQL 8.0.3;
 * - gtid_mode is MySQL's; MariaDB has none (its binlog always carries GTIDs).
 */

const VARIABLES = [
  'log_bin',
  'polar_log_bin',
  'loose_polar_log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_expire_logs_seconds',
  'expire_logs_days',
  'binlog_transaction_compression',
  'binlog_row_value_options',
  'gtid_mode',
];

export async function readBinlogSettings(rows: Rows): Promise<BinlogSettings> {
  const [versionRow] = await rows('SELECT VERSION()', [], 'reading the server version');
  const version = text(versionRow?.[0]);
  const vars = new Map<string, string>();
  const found = await rows(
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${VARIABLES.map(() => '?').join(', ')})`,
    VARIABLES,
    'reading binlog settings',
  );
  for (const r of found) vars.set(text(r[0]).toLowerCase(), text(r[1]));
  return settingsFrom(version, vars);
}

/** Pure part, unit-tested over recorded variable sets. */
export function settingsFrom(version: string, vars: ReadonlyMap<string, string>): BinlogSettings {
  const on = (name: string) => isOn(vars.get(name));
  const seconds = Number(vars.get('binlog_expire_logs_seconds') ?? 0);
  const days = Number(vars.get('expire_logs_days') ?? 0);
  const expireSeconds = seconds > 0 ? seconds : days > 0 ? Math.round(days * 86_400) : null;
  const flavor = flavorOf(version);
  const gtidMode = vars.get('gtid_mode');
  return {
    logBin: on('log_bin') || on('polar_log_bin') || on('loose_polar_log_bin'),
    format: (vars.get('binlog_format') ?? '').toUpperCase(),
    rowImage: (vars.get('binlog_row_image') ?? '').toUpperCase(),
    expireSeconds,
    ...(gtidMode !== undefined && flavor === 'mysql' ? { gtidMode: gtidMode.toUpperCase() } : {}),
    flavor,
    version,
    compression: on('binlog_transaction_compression'),
    partialJson: /PARTIAL_JSON/i.test(vars.get('binlog_row_value_options') ?? ''),
  };
}

export function flavorOf(version: string): 'mariadb' | 'mysql' {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

function isOn(v: string | undefined): boolean {
  return v !== undefined && /^(on|1|true|yes)$/i.test(v.trim());
}

export function text(v: CanonicalValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return String(v);
}
