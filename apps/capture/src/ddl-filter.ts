import type { TableRef } from '@tidewater/proto';

const TABLE_DDL =
  /^\s*(?:\/\*.*?\*\/\s*)*(ALTER|DROP|RENAME|TRUNCATE)\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?((?:`[^`]+`|\w+)(?:\s*\.\s*(?:`[^`]+`|\w+))?)/i;

function unquote(s: string): string {
  return s.trim().replace(/^`|`$/g, '').replace(/``/g, '`');
}

/**
 * The migrated table a DDL statement touches, if any. Only the first table named is
 * checked; a statement we cannot parse is treated as touching the database's tables when
 * it names one of them anywhere (the safe side: pause rather than mis-decode).
 */
export function ddlTarget(database: string, statement: string, migrated: readonly TableRef[]): TableRef | undefined {
  const m = TABLE_DDL.exec(statement);
  if (m) {
    const parts = m[2]!.split(/\s*\.\s*(?=(?:`|\w))/);
    const db = parts.length === 2 ? unquote(parts[0]!) : database;
    const table = unquote(parts[parts.length - 1]!);
    return migrated.find(
      (t) => t.database.toLowerCase() === db.toLowerCase() && t.table.toLowerCase() === table.toLowerCase(),
    );
  }
  if (
    /^\s*(CREATE|DROP)\s+(DATABASE|SCHEMA|INDEX|VIEW|TRIGGER|PROCEDURE|FUNCTION|EVENT|USER)\b/i.test(statement) ||
    /^\s*(CREATE\s+TABLE|GRANT|REVOKE|FLUSH|ANALYZE|OPTIMIZE|SET|XA|SAVEPOINT)\b/i.test(statement)
  ) {
    return undefined;
  }
  return migrated.find(
    (t) =>
      t.database.toLowerCase() === database.toLowerCase() &&
      new RegExp(`\\b${t.table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(statement),
  );
}
