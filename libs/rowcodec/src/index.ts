export { encodingOf, type CanonicalValue } from './encoding.js';
export { RowSetBuilder } from './rowset-builder.js';
export { isNull, valueAt, columnValues } from './rowset-reader.js';
