import type { BinlogPosition } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { BINLOG_PURGED_FIX, type BinlogState } from '@tidewater/mysql-source';
import { gtidCovers, sameEntries } from './gtid-state.js';

/**
 * How a reader continues from a saved position on the server it reaches now:
 * - `position`: the same binlog history: by file and offset, as saved;
 * - `gtid`: another server of the replication topology (a failover) holding every
 *   transaction the task already has: by the saved GTIDs, which the server locates in its
 *   own files, under the next epoch (F1).
 */
export type ResumePlan =
  | { readonly kind: 'position'; readonly from: BinlogPosition; readonly server: string }
  | { readonly kind: 'gtid'; readonly gtid: string; readonly epoch: number; readonly server: string };

const RESYNC_FIX = (taskId: string) =>
  `resync every table from the source as it is now (tidewater task resync ${taskId} --all), or recreate the task`;

/**
 * Never a silent skip: a position that does not continue on this server fails with what
 * happened and the fix. A saved position without a server (saved before it was recorded) is
 * taken to be on this one.
 */
export function planResume(taskId: string, saved: BinlogPosition, now: BinlogState, where: string): ResumePlan {
  const sameServer = !saved.server || saved.server === now.server;
  const covered = gtidCovers(now.gtid, saved.gtid);
  if (sameServer) {
    // RESET MASTER (or a restore) keeps the server, but its GTIDs no longer reach the checkpoint.
    if (!covered)
      throw new TidewaterError(
        'TW_BINLOG_RESET',
        `the binlog of ${where} no longer holds the task's resume position ${saved.file}:${saved.pos} (GTIDs ${saved.gtid}): its history was reset (RESET MASTER, or a restore); it now holds ${now.gtid || 'no GTIDs'}`,
        { subject: where, fix: RESYNC_FIX(taskId) },
      );
    // MariaDB says which GTIDs end at the saved place: another history there is a reset too,
    // even once the new one has numbered past the checkpoint's GTIDs.
    if (saved.server && saved.gtid && now.gtidAt !== undefined && !sameEntries(now.gtidAt, saved.gtid))
      throw new TidewaterError(
        'TW_BINLOG_RESET',
        `the binlog of ${where} holds other transactions at the task's resume position ${saved.file}:${saved.pos} (GTIDs ${now.gtidAt || 'none'} there, the task has ${saved.gtid}): its history was reset (RESET MASTER, or a restore)`,
        { subject: where, fix: RESYNC_FIX(taskId) },
      );
    const file = now.files.find((f) => f.name === saved.file);
    if (file && file.size >= saved.pos) {
      // A position saved before servers were recorded may carry inexact GTIDs: take the server's.
      const from = !saved.server && now.gtidAt !== undefined ? { ...saved, gtid: now.gtidAt } : saved;
      return { kind: 'position', from, server: now.server };
    }
    if (file)
      throw new TidewaterError(
        'TW_BINLOG_RESET',
        `binlog ${saved.file} on ${where} is ${file.size} bytes, shorter than the task's resume position ${saved.pos}: its history was reset (RESET MASTER, or a restore)`,
        { subject: where, fix: RESYNC_FIX(taskId) },
      );
    const has = now.files.length ? `its oldest is ${now.files[0]!.name}` : 'it has none';
    throw new TidewaterError(
      'TW_BINLOG_PURGED',
      `binlog ${saved.file} (resume position ${saved.file}:${saved.pos}) is no longer on the source ${where}: ${has}`,
      { subject: where, fix: BINLOG_PURGED_FIX },
    );
  }
  const moved = `the source ${where} is now server ${now.server}, the task's resume position ${saved.file}:${saved.pos} is on ${saved.server}`;
  if (!saved.gtid || !now.gtidResume)
    throw new TidewaterError(
      'TW_SOURCE_CHANGED',
      `${moved}, and without GTIDs ${saved.gtid ? `(gtid_mode is not ON on ${where})` : '(none were recorded with it)'} it cannot be found in another server's binlog`,
      { subject: where, fix: `run the source with gtid_mode=ON (MySQL), or ${RESYNC_FIX(taskId)}` },
    );
  if (!covered)
    throw new TidewaterError(
      'TW_SOURCE_CHANGED',
      `${moved}, which lacks transactions the task already applied (it holds GTIDs ${now.gtid || 'none'}, the task has ${saved.gtid}): it is behind the old source`,
      {
        subject: where,
        fix: `point the task at a server that has caught up with the old one, or ${RESYNC_FIX(taskId)}`,
      },
    );
  return { kind: 'gtid', gtid: saved.gtid, epoch: saved.epoch + 1, server: now.server };
}
