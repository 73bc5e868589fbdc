export { encodingOf, isZeroDate, type CanonicalValue } from './encoding.js';
export { RowSetBuilder } from './rowset-builder.js';
export { isNull, valueAt, columnValues } from './rowset-reader.js';
export { selectRows, rowHashes } from './rowset-select.js';
