import type { BinlogPosition } from '@tidewater/proto';

/** The numeric suffix of a binlog file name ("mysql-bin.000003" → "000003"): its place in the sequence. */
export function fileSequenceDigits(file: string): string | undefined {
  return /\.(\d+)$/.exec(file)?.[1];
}

/**
 * A token that compares correctly as a string (invariant F1): zero-padded file sequence, then
 * zero-padded offset ("000003:00000000000000004711"); from epoch 1 on it is led by
 * "e000001:", which sorts after every digit, so a position on a failed-over or reset source
 * compares above every earlier one. Positions are opaque outside capture; tokens are what
 * other services compare.
 */
export function positionToken(file: string, pos: bigint, epoch = 0): string {
  const digits = fileSequenceDigits(file);
  const seq = digits ? digits.padStart(10, '0') : file;
  const at = `${seq}:${pos.toString().padStart(20, '0')}`;
  return epoch > 0 ? `e${String(epoch).padStart(6, '0')}:${at}` : at;
}

/** Where a position is besides file and offset: its GTIDs, epoch and server (all optional). */
export interface PositionContext {
  readonly gtid?: string;
  readonly epoch?: number;
  readonly server?: string;
}

export function makePosition(file: string, pos: bigint, at: PositionContext = {}): BinlogPosition {
  const epoch = at.epoch ?? 0;
  return { file, pos, gtid: at.gtid ?? '', token: positionToken(file, pos, epoch), epoch, server: at.server ?? '' };
}
