import type { ColumnDef } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';

export type TemporalMapping = 'native' | 'string';

/** DuckDB DECIMAL holds at most 38 digits; wider MySQL decimals travel as exact text. */
const MAX_DECIMAL_PRECISION = 38;

/**
 * MySQL column → DuckDB column type. docs/type-mapping.md is the table users read; keep
 * them in step. The rule: never lose a value MySQL can hold. Where DuckDB has no type
 * with the same range, the column becomes exact text (DECIMAL > 38 digits, TIME).
 */
export function duckdbType(col: ColumnDef, temporal: TemporalMapping): string {
  const t = col.dataType.toLowerCase();
  const u = col.unsigned;
  switch (t) {
    case 'tinyint':
      return u ? 'UTINYINT' : 'TINYINT';
    case 'smallint':
      return u ? 'USMALLINT' : 'SMALLINT';
    case 'mediumint':
    case 'int':
    case 'integer':
      return u ? 'UINTEGER' : 'INTEGER';
    case 'bigint':
      return u ? 'UBIGINT' : 'BIGINT';
    case 'year':
      return 'SMALLINT';
    case 'bit':
      return 'UBIGINT';
    case 'float':
      return 'FLOAT';
    case 'double':
    case 'real':
      return 'DOUBLE';
    case 'decimal':
    case 'numeric': {
      const p = col.precision || 10;
      return p <= MAX_DECIMAL_PRECISION ? `DECIMAL(${p},${col.scale})` : 'VARCHAR';
    }
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'enum':
    case 'set':
    case 'json':
    case 'time':
      return 'VARCHAR';
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
    case 'geometry':
    case 'point':
    case 'linestring':
    case 'polygon':
    case 'multipoint':
    case 'multilinestring':
    case 'multipolygon':
    case 'geometrycollection':
    case 'geomcollection':
      return 'BLOB';
    case 'date':
      return temporal === 'native' ? 'DATE' : 'VARCHAR';
    case 'datetime':
    case 'timestamp':
      return temporal === 'native' ? 'TIMESTAMP' : 'VARCHAR';
    default:
      throw new TidewaterError(
        'TW_UNSUPPORTED_TYPE',
        `column ${col.name} has type ${col.columnType || t} with no DuckDB mapping`,
        { subject: col.name },
      );
  }
}

/** True for a MySQL zero or partial-zero date ('0000-00-00', '2024-00-10'), which DuckDB cannot hold. */
export function isZeroDate(text: string): boolean {
  return text.startsWith('0000') || text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}
