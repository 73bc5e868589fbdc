export { createBinlogReader } from './reader.js';
export { currentBinlogPosition } from './current-position.js';
export { positionToken, makePosition } from './position.js';
export type { SourceConnection, RowChangeKind, RowChange, RowsEvent, BinlogHandlers, BinlogReader } from './types.js';
