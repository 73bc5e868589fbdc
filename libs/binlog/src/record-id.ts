import { TidewaterError } from '@tidewater/errors';
import { fileSequenceDigits } from './position.js';

/** Bits of the file sequence; the epoch sits above them (11 bits, below the sign bit). */
const SEQUENCE_BITS = 20n;
const MAX_EPOCH = 2047;

/**
 * record_id of a change row, a pure function of where the row sits in the binlog:
 *
 *   record_id = epoch · 2^52 + fileSequence · 2^32 + transactionStart + rowIndex
 *
 * - unique: a transaction of n row changes takes more than n bytes of binlog, so
 *   transactionStart + rowIndex stays below the next transaction's start; binlog files are
 *   < 4 GiB (max_binlog_size ≤ 1 GiB). (Per-event offsets would not do: MariaDB writes
 *   end_log_pos = 0 on events inside a transaction.);
 * - increasing in commit order: the binlog is written in commit order, and the epoch
 *   (BinlogPosition.epoch) grows when the task moves to another server's binlog or a reset
 *   one, whose files number from 1 again (invariant F1);
 * - deterministic: a replayed event gets the same id, which is what lets the sink drop
 *   replays by id (invariant S2).
 * Both images of an UPDATE share the id of their row change.
 */
export function recordId(file: string, transactionStart: bigint, rowIndex: number, epoch = 0): bigint {
  return base(file, epoch) + transactionStart + BigInt(rowIndex);
}

export function fileSequence(file: string): bigint {
  const digits = fileSequenceDigits(file);
  if (!digits) throw new TidewaterError('TW_INTERNAL', `binlog file name ${file} has no sequence suffix`);
  return BigInt(digits);
}

/**
 * The lowest record id a row change at or after `position` (a transaction boundary) can have:
 * every later transaction starts at or past `pos` of this file, or in a later file or epoch.
 * A resync uses it as its watermark: `_log` rows below it are older than a copy read after `position`.
 */
export function recordIdAt(position: { file: string; pos: bigint | number; epoch?: number }): bigint {
  return base(position.file, position.epoch ?? 0) + BigInt(position.pos);
}

function base(file: string, epoch: number): bigint {
  const seq = fileSequence(file);
  if (seq >= 1n << SEQUENCE_BITS || epoch > MAX_EPOCH)
    throw new TidewaterError(
      'TW_INTERNAL',
      `binlog ${file} at epoch ${epoch} is beyond what a record id holds (file sequence < ${1n << SEQUENCE_BITS}, epoch ≤ ${MAX_EPOCH})`,
      { fix: 'recreate the task: its record ids cannot grow any further' },
    );
  return (BigInt(epoch) << (SEQUENCE_BITS + 32n)) + (seq << 32n);
}
