import type { BinlogPosition } from '@tidewater/proto';

/**
 * A token that compares correctly as a string: zero-padded file sequence, then zero-padded
 * offset ("000003:00000000000000004711"). Positions are opaque outside capture; tokens are
 * what other services compare.
 */
export function positionToken(file: string, pos: bigint): string {
  const m = /\.(\d+)$/.exec(file);
  const seq = m ? m[1]!.padStart(10, '0') : file;
  return `${seq}:${pos.toString().padStart(20, '0')}`;
}

export function makePosition(file: string, pos: bigint, gtid = ''): BinlogPosition {
  return { file, pos, gtid, token: positionToken(file, pos) };
}
