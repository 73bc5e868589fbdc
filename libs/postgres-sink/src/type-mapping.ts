import { ValueEncoding, type ColumnDef } from '@tidewater/proto';
import { encodingOf } from '@tidewater/rowcodec';
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
  // The value encoding classifies every type the bus carries (and refuses the others).
  switch (encodingOf(col)) {
    case ValueEncoding.VALUE_ENCODING_TEXT:
    case ValueEncoding.VALUE_ENCODING_JSON:
    case ValueEncoding.VALUE_ENCODING_TIME:
      return 'text';
    case ValueEncoding.VALUE_ENCODING_BYTES:
      return 'bytea';
    case ValueEncoding.VALUE_ENCODING_DATE:
      return temporal === 'native' ? 'date' : 'text';
    case ValueEncoding.VALUE_ENCODING_DATETIME:
      return temporal === 'native' ? 'timestamp(6)' : 'text';
    case ValueEncoding.VALUE_ENCODING_DOUBLE:
      return t === 'float' ? 'real' : 'double precision';
    case ValueEncoding.VALUE_ENCODING_DECIMAL:
      return `numeric(${col.precision || 10},${col.scale})`;
  }
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
    default:
      throw new TidewaterError(
        'TW_UNSUPPORTED_TYPE',
        `column ${col.name} has type ${col.columnType || t} with no PostgreSQL mapping`,
        {
          subject: col.name,
        },
      );
  }
}
