import { TidewaterError } from '@tidewater/errors';
import { fileSequenceDigits } from './position.js';

/**
 * record_id of a change row, a pure function of where the row sits in the binlog:
 *
 *   record_id = fileSequence · 2^32 + transactionStart + rowIndex
 *
 * - unique: a transaction of n row changes takes more than n bytes of binlog, so
 *   transactionStart + rowIndex stays below the next transaction's start; binlog files are
 *   < 4 GiB (max_binlog_size ≤ 1 GiB). (Per-event offsets would not do: MariaDB writes
 *   end_log_pos = 0 on events inside a transaction.);
 * - increasing in commit order: the binlog is written in commit order;
 * - deterministic: a replayed event gets the same id, which is what lets the sink drop
 *   replays by id (invariant S2).
 * Both images of an UPDATE share the id of their row change.
 */
export function recordId(file: string, transactionStart: bigint, rowIndex: number): bigint {
  return (fileSequence(file) << 32n) + transactionStart + BigInt(rowIndex);
}

export function fileSequence(file: string): bigint {
  const digits = fileSequenceDigits(file);
  if (!digits) throw new TidewaterError('TW_INTERNAL', `binlog file name ${file} has no sequence suffix`);
  return BigInt(digits);
}

/**
 * The lowest record id a row change at or after `position` (a transaction boundary) can have:
 * every later transaction starts at or past `pos` of this file, or in a later file. A resync
 * uses it as its watermark: `_log` rows below it are older than a copy read after `position`.
 */
export function recordIdAt(position: { file: string; pos: bigint | number }): bigint {
  return (fileSequence(position.file) << 32n) + BigInt(position.pos);
}
