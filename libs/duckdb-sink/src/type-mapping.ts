import { ValueEncoding, type ColumnDef } from '@tidewater/proto';
import { encodingOf } from '@tidewater/rowcodec';
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
  // The value encoding classifies every type the bus carries (and refuses the others).
  switch (encodingOf(col)) {
    case ValueEncoding.VALUE_ENCODING_TEXT:
    case ValueEncoding.VALUE_ENCODING_JSON:
    case ValueEncoding.VALUE_ENCODING_TIME:
      return 'VARCHAR';
    case ValueEncoding.VALUE_ENCODING_BYTES:
      return 'BLOB';
    case ValueEncoding.VALUE_ENCODING_DATE:
      return temporal === 'native' ? 'DATE' : 'VARCHAR';
    case ValueEncoding.VALUE_ENCODING_DATETIME:
      return temporal === 'native' ? 'TIMESTAMP' : 'VARCHAR';
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      return t === 'float' ? 'FLOAT' : 'DOUBLE';
    case ValueEncoding.VALUE_ENCODING_DECIMAL: {
      const p = col.precision || 10;
      return p <= MAX_DECIMAL_PRECISION ? `DECIMAL(${p},${col.scale})` : 'VARCHAR';
    }
  }
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
    default:
      throw new TidewaterError(
        'TW_UNSUPPORTED_TYPE',
        `column ${col.name} has type ${col.columnType || t} with no DuckDB mapping`,
        {
          subject: col.name,
        },
      );
  }
}
