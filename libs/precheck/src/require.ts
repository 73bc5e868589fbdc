import type { SourceClient } from '@tidewater/mysql-source';
import { TidewaterError } from '@tidewater/errors';
import { binlogChecks, failures } from './binlog-checks.js';

/** Throws TW_BINLOG_CONFIG naming every failed binlog item and its fix. */
export async function requireIncrementalReady(source: SourceClient, where: string): Promise<void> {
  const failed = failures(binlogChecks(await source.binlogSettings()));
  if (failed.length === 0) return;
  throw new TidewaterError(
    'TW_BINLOG_CONFIG',
    `source ${where} cannot be captured incrementally: ${failed.map((f) => f.message).join('; ')}`,
    {
      subject: where,
      fix: failed.map((f) => f.fix).join('; '),
    },
  );
}
