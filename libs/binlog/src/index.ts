// The offsets room: binlog positions and their tokens, record ids, capture checkpoints
// (KV tw_positions), the source's current position, and the binlog reader (zongji stays inside).
export { createBinlogReader } from './reader.js';
export { currentBinlogPosition } from './current-position.js';
export { positionToken, makePosition } from './position.js';
export { recordId, recordIdAt, fileSequence } from './record-id.js';
export { CheckpointStore } from './checkpoint-store.js';
export { planResume, type ResumePlan } from './resume-plan.js';
export type { RowChangeKind, RowChange, RowsEvent, BinlogHandlers, BinlogReader } from './types.js';
