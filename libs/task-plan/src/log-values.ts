import { ChangeKind } from '@tidewater/proto';
import type { PartitionColumn } from './dest-table.js';

/**
 * The values DTS puts in a `_log` row's metadata columns (docs/merge.md, "`_log` columns"), the
 * same in every destination: `operation_flag`, `before_flag`, `after_flag` from the change
 * kind, and the `modifytime_*` partition values from the event time.
 */
export interface LogFlags {
  readonly operation: string;
  readonly before: 'Y' | 'N';
  readonly after: 'Y' | 'N';
}

const FLAGS: Partial<Record<ChangeKind, LogFlags>> = {
  [ChangeKind.CHANGE_KIND_INSERT]: { operation: 'I', before: 'N', after: 'Y' },
  [ChangeKind.CHANGE_KIND_UPDATE_BEFORE]: { operation: 'U', before: 'Y', after: 'N' },
  [ChangeKind.CHANGE_KIND_UPDATE_AFTER]: { operation: 'U', before: 'N', after: 'Y' },
  [ChangeKind.CHANGE_KIND_DELETE]: { operation: 'D', before: 'Y', after: 'N' },
};
const UNKNOWN: LogFlags = { operation: '?', before: 'N', after: 'N' };

export function logFlags(kind: ChangeKind): LogFlags {
  return FLAGS[kind] ?? UNKNOWN;
}

/** `'2024'`-style value of a `modifytime_*` column for an event time in ISO form (UTC). */
export function partitionValue(col: PartitionColumn, iso: string): string {
  switch (col) {
    case 'modifytime_year':
      return iso.slice(0, 4);
    case 'modifytime_month':
      return iso.slice(5, 7);
    case 'modifytime_day':
      return iso.slice(8, 10);
    case 'modifytime_hour':
      return iso.slice(11, 13);
    default:
      return iso.slice(14, 16);
  }
}
