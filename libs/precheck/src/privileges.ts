import type { PrecheckItem } from '@tidewater/proto';
import { failed, passed } from './item.js';

/**
 * What the source account needs: SELECT for the full copy, REPLICATION SLAVE and
 * REPLICATION CLIENT for the binlog (MariaDB 10.5+ names them REPLICATION REPLICA and
 * BINLOG MONITOR; ALL PRIVILEGES covers everything). Read from SHOW GRANTS text.
 */
export function privilegeCheck(grants: readonly string[], incremental: boolean): PrecheckItem {
  const global = grants
    .filter((g) => /\bON\s+\*\.\*/i.test(g))
    .join(' ')
    .toUpperCase();
  const any = grants.join(' ').toUpperCase();
  const all = /\bALL PRIVILEGES\b/.test(global);
  const missing: string[] = [];
  if (!all && !/\bSELECT\b/.test(any)) missing.push('SELECT');
  if (incremental && !all) {
    if (!/\bREPLICATION (SLAVE|REPLICA)\b/.test(global)) missing.push('REPLICATION SLAVE');
    if (!/\b(REPLICATION CLIENT|BINLOG MONITOR)\b/.test(global)) missing.push('REPLICATION CLIENT');
  }
  if (missing.length === 0) return passed('source.privileges', 'the account has the privileges the task needs');
  return failed(
    'source.privileges',
    `the source account lacks ${missing.join(', ')}`,
    `GRANT ${missing.join(', ')} ON *.* TO the task's user`,
  );
}

/**
 * With the heartbeat table on, capture creates it and writes one row per task: the account
 * needs CREATE, INSERT and UPDATE on its database (or globally).
 */
export function heartbeatPrivilegeCheck(grants: readonly string[], table: string): PrecheckItem {
  const db = table.split('.')[0]!;
  const scope = new RegExp(`\\bON\\s+(\\*|\`?${db.replace(/[$]/g, '\\$')}\`?)\\.\\*`, 'i');
  const text = grants
    .filter((g) => scope.test(g))
    .join(' ')
    .toUpperCase();
  if (/\bALL PRIVILEGES\b/.test(text))
    return passed('heartbeat.privileges', `the account may write the heartbeat table ${table}`);
  const missing = ['CREATE', 'INSERT', 'UPDATE'].filter((p) => !new RegExp(`\\b${p}\\b`).test(text));
  if (missing.length === 0) return passed('heartbeat.privileges', `the account may write the heartbeat table ${table}`);
  return failed(
    'heartbeat.privileges',
    `heartbeat: true needs ${missing.join(', ')} on ${db}.* to write ${table}`,
    `GRANT ${missing.join(', ')} ON \`${db}\`.* TO the task's user, or set heartbeat: false`,
  );
}
