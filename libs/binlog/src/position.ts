import type { BinlogPosition } from '@tidewater/proto';

/** The numeric suffix of a binlog file name ("mysql-bin.000003" → "000003"): its place in the sequence. */
export function fileSequenceDigits(file: string): string | undefined {
  return /\.(\d+)$/.exec(file)?.[1];
}

/**
 * A token that compares correctly as a string: zero-padded file sequence, then zero-padded
 * offset ("000003:00000000000000004711"). Positions are opaque outside capture; tokens are
 * what other services compare.
 */
export function positionToken(file: string, pos: bigint): string {
  const digits = fileSequenceDigits(file);
  const seq = digits ? digits.padStart(10, '0') : file;
  return `${seq}:${pos.toString().padStart(20, '0')}`;
}

export function makePosition(file: string, pos: bigint, gtid = ''): BinlogPosition {
  return { file, pos, gtid, token: positionToken(file, pos) };
}
