import type { ColumnDef } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';

export type TemporalMapping = 'native' | 'string';

/**
 * MySQL column → PostgreSQL column type. docs/type-mapping.md is the table users read; keep
 * them in step. The rule: never lose a value MySQL can hold. PostgreSQL has no unsigned
 * integers, so an unsigned type widens to the next signed one (BIGINT UNSIGNED to
 * numeric(20,0)); TIME can exceed 24 h and JSON must keep its text as written, so both are text.
 */
export function postgresType(col: ColumnDef, temporal: TemporalMapping): string {
  const t = col.dataType.toLowerCase();
  const u = col.unsigned;
  switch (t) {
    case 'tinyint':
    case 'year':
      return 'smallint';
    case 'smallint':
      return u ? 'integer' : 'smallint';
    case 'mediumint':
      return 'integer';
    case 'int':
    case 'integer':
      return u ? 'bigint' : 'integer';
    case 'bigint':
      return u ? 'numeric(20,0)' : 'bigint';
    case 'bit':
      return 'bit varying(64)';
    case 'float':
      return 'real';
    case 'double':
    case 'real':
      return 'double precision';
    case 'decimal':
    case 'numeric':
      return `numeric(${col.precision || 10},${col.scale})`;
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
      return 'text';
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
      return 'bytea';
    case 'date':
      return temporal === 'native' ? 'date' : 'text';
    case 'datetime':
    case 'timestamp':
      return temporal === 'native' ? 'timestamp(6)' : 'text';
    default:
      throw new TidewaterError(
        'TW_UNSUPPORTED_TYPE',
        `column ${col.name} has type ${col.columnType || t} with no PostgreSQL mapping`,
        { subject: col.name },
      );
  }
}

/** True for a MySQL zero or partial-zero date ('0000-00-00', '2024-00-10'), which PostgreSQL cannot hold. */
export function isZeroDate(text: string): boolean {
  return text.startsWith('0000') || text.slice(5, 7) === '00' || text.slice(8, 10) === '00';
}
