import type { PrecheckItem } from '@tidewater/proto';
import { failed, passed } from './item.js';

/**
 * What the source account needs: SELECT for the full copy, REPLICATION SLAVE and
 * REPLICATION CLIENT for the binlog (MariaDB 10.5+ names them REPLICATION REPLICA and
 * BINLOG MONITOR; ALL PRIVILEGES covers everything). Read from SHOW GRANTS text.
 */
export function privilegeCheck(grants: readonly string[], incremental: boolean): PrecheckItem {
  const global = grants.filter((g) => /\bON\s+\*\.\*/i.test(g)).join(' ').toUpperCase();
  const any = grants.join(' ').toUpperCase();
  const all = /\bALL PRIVILEGES\b/.test(global);
  const missing: string[] = [];
  if (!all && !/\bSELECT\b/.test(any)) missing.push('SELECT');
  if (incremental && !all) {
    if (!/\bREPLICATION (SLAVE|REPLICA)\b/.test(global)) missing.push('REPLICATION SLAVE');
    if (!/\b(REPLICATION CLIENT|BINLOG MONITOR)\b/.test(global)) missing.push('REPLICATION CLIENT');
  }
  if (missing.length === 0) return passed('source.privileges', 'the account has the privileges the task needs');
  return failed('source.privileges', `the source account lacks ${missing.join(', ')}`, `GRANT ${missing.join(', ')} ON *.* TO the task's user`);
}
