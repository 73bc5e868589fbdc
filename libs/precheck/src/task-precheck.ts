import type { PrecheckItem, TableSchema } from '@tidewater/proto';
import { hasTableMapping, MAX_MAPPED_TABLES, tableNaming, type TaskSpec } from '@tidewater/config';
import { destTableOf, reservedLogColumnNames, tableExpressions } from '@tidewater/task-plan';
import { openSource, type SourceClient } from '@tidewater/mysql-source';
import { isTidewaterError } from '@tidewater/errors';
import { binlogChecks } from './binlog-checks.js';
import { busChecks, type BusFacts } from './bus-checks.js';
import { heartbeatPrivilegeCheck, privilegeCheck } from './privileges.js';
import { failed, passed, warning } from './item.js';
import { sourceRiskItems } from './source-risks.js';
import { tlsFailure, tlsItem } from './tls-check.js';

/** The `_log` columns DTS's `previous` naming rule adds; a source column by one of these names clashes. */
const DTS_COLUMNS = reservedLogColumnNames('previous');

/** What the precheck asks of parts it cannot reach itself. */
export interface PrecheckProbes {
  /**
   * Opens the task's destination (a sink does): which of these tables (`schema.table`) already
   * exist and do not belong to the task, and what it reached (`server`: host:port/database and
   * version, or the file; never a password). Throws when the destination cannot be reached.
   */
  destination?(names: string[]): Promise<{ foreign: string[]; server: string }>;
  /** The bus the services exchange batches over. Throws when it does not answer. */
  bus?(): Promise<BusFacts>;
}

/**
 * Every precheck item of a task against its source, each passed / warning / failed with
 * the fix in words. Never throws for what it checks: a failure is an item.
 */
export async function runPrecheck(spec: TaskSpec, probes: PrecheckProbes = {}): Promise<PrecheckItem[]> {
  const where = `${spec.source.host}:${spec.source.port}`;
  const incremental = spec.migrationTypes.includes('incremental');
  let source: SourceClient;
  try {
    source = await openSource(spec.source, { poolSize: 1 });
  } catch (e) {
    const message = isTidewaterError(e) ? e.message : String(e);
    const fix = isTidewaterError(e) ? (e.describe().split('fix: ')[1] ?? '') : 'check host, port, user and password';
    const item =
      isTidewaterError(e) && e.code === 'TW_SOURCE_TLS'
        ? tlsFailure(message, fix)
        : failed('source.connectivity', message, fix);
    return [item, ...(probes.bus ? await busChecks(probes.bus) : [])];
  }
  const items: PrecheckItem[] = [passed('source.connectivity', `connected to ${where}`)];
  try {
    items.push(await tlsItem(source, spec.source));
    const grants = (await source.query('SHOW GRANTS')).map((r) => String(r[0]));
    items.push(privilegeCheck(grants, incremental));
    if (incremental && spec.heartbeat.enabled) items.push(heartbeatPrivilegeCheck(grants, spec.heartbeat.table));
    if (incremental) items.push(...binlogChecks(await source.binlogSettings()));
    const { items: objectItems, schemas } = await objectChecks(source, spec);
    items.push(...objectItems);
    items.push(...expressionChecks(spec, schemas));
    // Foreign-key actions and triggers matter to the change stream only.
    if (incremental) items.push(...(await sourceRiskItems(source, schemas)));
    items.push(...(await destinationChecks(spec, schemas, probes)));
    if (probes.bus) items.push(...(await busChecks(probes.bus, schemas)));
  } finally {
    await source.close();
  }
  return items;
}

/** Filters, ETL and column mapping hold against the real columns; DTS's table-count rule. */
function expressionChecks(spec: TaskSpec, schemas: readonly TableSchema[]): PrecheckItem[] {
  const problems: string[] = [];
  let expressions = 0;
  for (const s of schemas) {
    try {
      destTableOf(spec, { destSchema: '', destTable: '', source: s.source }, s);
      const ex = tableExpressions(spec, s);
      expressions += (ex.filter ? 1 : 0) + (ex.where ? 1 : 0) + ex.set.size + ex.add.size;
    } catch (e) {
      problems.push(isTidewaterError(e) ? e.message : String(e));
    }
  }
  const mapped = spec.objects.some((o) => o.tables?.some(hasTableMapping));
  return [
    problems.length
      ? failed(
          'filters',
          problems.join('; '),
          'fix the expressions or column names (docs/expressions.md lists the supported syntax)',
        )
      : passed('filters', expressions ? `${expressions} filter/ETL expression(s) valid` : 'no row filters or ETL'),
    schemas.length > MAX_MAPPED_TABLES && mapped
      ? failed(
          'objects.table_count',
          `${schemas.length} tables selected with per-table mapping, filters or ETL; DTS allows at most ${MAX_MAPPED_TABLES}`,
          'split the task into several, or select whole databases and use batch mapping rules (mapping:, capitalization:)',
        )
      : passed('objects.table_count', `${schemas.length} table(s)`),
  ];
}

/** Destination names are unique within the task and, under conflictMode precheck, not taken. */
async function destinationChecks(
  spec: TaskSpec,
  schemas: readonly TableSchema[],
  probes: PrecheckProbes,
): Promise<PrecheckItem[]> {
  const incremental = spec.migrationTypes.includes('incremental');
  const bySource = new Map<string, string>();
  const names: string[] = [];
  const collisions: string[] = [];
  for (const s of schemas) {
    const n = tableNaming(spec, s.source!.database, s.source!.table);
    const src = `${s.source!.database}.${s.source!.table}`;
    const key = `${n.schema}.${n.stem}`.toLowerCase();
    const other = bySource.get(key);
    if (other) collisions.push(`${other} and ${src} both map to ${n.schema}.${n.stem}`);
    bySource.set(key, src);
    names.push(`${n.schema}.${n.stem}_base`, ...(incremental ? [`${n.schema}.${n.stem}_log`] : []));
  }
  const items: PrecheckItem[] = [
    collisions.length
      ? failed(
          'destination.names',
          collisions.join('; '),
          'give the tables different names with `as`, or change capitalization/mapping so they stay distinct',
        )
      : passed('destination.names', `${schemas.length} destination table name(s), all distinct`),
  ];
  if (!probes.destination) return items;
  let foreign: string[];
  let server: string;
  try {
    ({ foreign, server } = await probes.destination(names));
  } catch (e) {
    return [
      ...items,
      failed(
        'destination.connectivity',
        isTidewaterError(e) ? e.message : String(e),
        'check that a sink service runs and can open the destination (tidewater up starts one)',
      ),
    ];
  }
  items.push(passed('destination.connectivity', `connected to ${server || spec.destination.path}`));
  if (foreign.length === 0) items.push(passed('destination.conflict', 'no destination table exists yet'));
  else if (spec.conflictMode === 'precheck') {
    items.push(
      failed(
        'destination.conflict',
        `destination table(s) already exist: ${foreign.join(', ')}`,
        'drop or rename them, map the source tables to other names (as:), or set conflictMode: ignore to write into them',
      ),
    );
  } else {
    items.push(
      warning(
        'destination.conflict',
        `destination table(s) already exist and will be written into (conflictMode: ignore): ${foreign.join(', ')}`,
        'the full copy keeps an existing row on a key conflict, the change stream overwrites; accept this warning to start',
      ),
    );
  }
  return items;
}

/** Objects exist and have row keys; no source column collides with a DTS column under the chosen rule. */
async function objectChecks(
  source: SourceClient,
  spec: TaskSpec,
): Promise<{ items: PrecheckItem[]; schemas: TableSchema[] }> {
  const schemas: TableSchema[] = [];
  const problems: PrecheckItem[] = [];
  const clashes: string[] = [];
  let tables = 0;
  for (const o of spec.objects) {
    const selections = o.tables
      ? o.tables.map((t) => ({ database: o.database, tables: [t.name] }))
      : [{ database: o.database, ...(o.exclude ? { exclude: [...o.exclude] } : {}) }];
    for (const sel of selections) {
      try {
        for (const schema of await source.readSchemas([sel])) {
          tables++;
          schemas.push(schema);
          if (spec.migrationTypes.includes('incremental') && spec.incremental.additionalColumnRule === 'previous') {
            for (const c of schema.columns)
              if (DTS_COLUMNS.includes(c.name.toLowerCase()))
                clashes.push(`${sel.database}.${schema.source!.table}.${c.name}`);
          }
        }
      } catch (e) {
        if (!isTidewaterError(e)) throw e;
        const name =
          e.code === 'TW_NO_ROW_KEY'
            ? 'objects.row_key'
            : e.code === 'TW_OBJECT_NOT_FOUND'
              ? 'objects.exist'
              : 'objects.read';
        problems.push(
          failed(
            name,
            e.message,
            typeof e.details.fix === 'string' ? e.details.fix : (e.describe().split('fix: ')[1] ?? ''),
          ),
        );
      }
    }
  }
  const items = problems.length ? problems : [passed('objects', `${tables} table(s) found, each with a row key`)];
  items.push(
    clashes.length
      ? failed(
          'additional_columns.conflict',
          `source columns named like DTS's additional columns: ${clashes.join(', ')}`,
          'set incremental.additionalColumnRule: new (prefixes the additional columns with new_dts_sync_)',
        )
      : passed('additional_columns.conflict', 'no source column collides with an additional column'),
  );
  return { items, schemas };
}
