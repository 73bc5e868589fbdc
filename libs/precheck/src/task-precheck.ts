import type { PrecheckItem } from '@tidewater/proto';
import type { TaskSpec } from '@tidewater/config';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { isTidewaterError } from '@tidewater/errors';
import { binlogChecks } from './binlog-checks.js';
import { privilegeCheck } from './privileges.js';
import { failed, passed } from './item.js';

const DTS_COLUMNS = ['record_id', 'operation_flag', 'utc_timestamp', 'before_flag', 'after_flag', 'modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'];

/**
 * Every precheck item of a task against its source, each passed / warning / failed with
 * the fix in words. Never throws for what it checks: a failure is an item.
 */
export async function runPrecheck(spec: TaskSpec): Promise<PrecheckItem[]> {
  const where = `${spec.source.host}:${spec.source.port}`;
  const incremental = spec.migrationTypes.includes('incremental');
  let source: SourceClient;
  try {
    source = await openSource(spec.source, { poolSize: 1 });
  } catch (e) {
    const message = isTidewaterError(e) ? e.message : String(e);
    const fix = isTidewaterError(e) ? e.describe().split('fix: ')[1] ?? '' : 'check host, port, user and password';
    return [failed('source.connectivity', message, fix)];
  }
  const items: PrecheckItem[] = [passed('source.connectivity', `connected to ${where}`)];
  try {
    const grants = (await source.query('SHOW GRANTS')).map((r) => String(r[0]));
    items.push(privilegeCheck(grants, incremental));
    if (incremental) items.push(...binlogChecks(await source.binlogSettings()));
    items.push(...(await objectChecks(source, spec)));
  } finally {
    await source.close();
  }
  return items;
}

/** Objects exist and have row keys; no source column collides with a DTS column under the chosen rule. */
async function objectChecks(source: SourceClient, spec: TaskSpec): Promise<PrecheckItem[]> {
  const problems: PrecheckItem[] = [];
  const clashes: string[] = [];
  let tables = 0;
  for (const o of spec.objects) {
    const selections = o.tables ? o.tables.map((t) => ({ database: o.database, tables: [t] })) : [{ database: o.database }];
    for (const sel of selections) {
      try {
        for (const schema of await source.readSchemas([sel])) {
          tables++;
          if (spec.migrationTypes.includes('incremental') && spec.incremental.additionalColumnRule === 'previous') {
            for (const c of schema.columns) if (DTS_COLUMNS.includes(c.name.toLowerCase())) clashes.push(`${sel.database}.${schema.source!.table}.${c.name}`);
          }
        }
      } catch (e) {
        if (!isTidewaterError(e)) throw e;
        const name = e.code === 'TW_NO_ROW_KEY' ? 'objects.row_key' : e.code === 'TW_OBJECT_NOT_FOUND' ? 'objects.exist' : 'objects.read';
        problems.push(failed(name, e.message, typeof e.details.fix === 'string' ? e.details.fix : e.describe().split('fix: ')[1] ?? ''));
      }
    }
  }
  const items = problems.length ? problems : [passed('objects', `${tables} table(s) found, each with a row key`)];
  items.push(
    clashes.length
      ? failed('additional_columns.conflict', `source columns named like DTS's additional columns: ${clashes.join(', ')}`, 'set incremental.additionalColumnRule: new (prefixes the additional columns with new_dts_sync_)')
      : passed('additional_columns.conflict', 'no source column collides with an additional column'),
  );
  return items;
}
