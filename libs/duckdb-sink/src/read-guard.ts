import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { TidewaterError } from '@tidewater/errors';

/**
 * DuckDB parses SELECT, WITH … SELECT, VALUES, FROM-first queries, DESCRIBE, SHOW, SUMMARIZE
 * and the PRAGMAs that only list things as SELECT statements. EXPLAIN is not among the reads:
 * EXPLAIN ANALYZE runs its statement, and `EXPLAIN ANALYZE COPY … TO` writes a file.
 */
const READS: ReadonlySet<StatementType> = new Set([StatementType.SELECT]);

const FIX =
  'send one read: SELECT, WITH … SELECT, VALUES, DESCRIBE, SHOW or SUMMARIZE (the warehouse is written by its task only; change the source instead)';

/**
 * Parses `sql` with DuckDB's own parser and prepares it: exactly one statement, and a read,
 * else TW_SPEC_INVALID naming what was sent. Only binds, runs nothing.
 */
export async function prepareRead(c: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let extracted;
  try {
    extracted = await c.extractStatements(sql);
  } catch (e) {
    const message = (e as Error).message;
    // The driver reports text without any statement (blank, only comments) as this bare error.
    if (message === 'Error in native callback') throw refused('the text holds no SQL statement', e);
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `query failed: ${message}`,
      { subject: 'SQL', fix: 'fix the SQL (DuckDB dialect); tables are <database>.<table>_base, _log and _merged' },
      { cause: e },
    );
  }
  if (extracted.count !== 1) throw refused(`${extracted.count} statements were sent`);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (e) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `query failed: ${(e as Error).message}`,
      { subject: 'SQL', fix: 'fix the SQL (DuckDB dialect); tables are <database>.<table>_base, _log and _merged' },
      { cause: e },
    );
  }
  if (!READS.has(prepared.statementType)) {
    const kind = StatementType[prepared.statementType] ?? String(prepared.statementType);
    prepared.destroySync();
    throw refused(`a ${kind} statement is not a read`);
  }
  return prepared;
}

function refused(why: string, cause?: unknown): TidewaterError {
  return new TidewaterError(
    'TW_SPEC_INVALID',
    `warehouse queries are read-only and one statement at a time: ${why}`,
    { subject: 'SQL', fix: FIX },
    cause === undefined ? undefined : { cause },
  );
}
