import { selections, type TaskSpec } from '@tidewater/config';
import { openSource } from '@tidewater/mysql-source';
import { requireIncrementalReady } from '@tidewater/precheck';

/**
 * Fails fast, before any service starts, on what the user can fix at once: an unreachable
 * source, a wrong password, a missing database or table, a table without a key, binlog
 * settings that incremental capture cannot work with.
 */
export async function preflight(spec: TaskSpec): Promise<number> {
  const source = await openSource(spec.source, { poolSize: 1 });
  try {
    if (spec.migrationTypes.includes('incremental'))
      await requireIncrementalReady(source, `${spec.source.host}:${spec.source.port}`);
    const schemas = await source.readSchemas(selections(spec));
    return schemas.length;
  } finally {
    await source.close();
  }
}
