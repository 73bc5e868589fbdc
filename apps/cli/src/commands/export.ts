import { resolve } from 'node:path';
import { requestWarehouseExport } from '@tidewater/bus';
import { TidewaterError } from '@tidewater/errors';
import { toJson } from '../json-output.js';
import { readWarehouse, type TargetOptions } from '../warehouse-target.js';

export interface ExportOptions extends TargetOptions {
  readonly format: string;
  readonly out: string;
  /** 0 or unset: 30 minutes. */
  readonly timeoutMs?: number;
}

export interface ExportedFile {
  readonly object: string;
  readonly path: string;
  readonly rows: number;
}

/**
 * Parquet files of the migrated tables, one consistent snapshot. While a sink holds the
 * file, the sink writes them, into `out` on its own machine.
 */
export async function exportWarehouse(opts: ExportOptions): Promise<ExportedFile[]> {
  if (opts.format !== 'parquet') {
    throw new TidewaterError('TW_SPEC_INVALID', `export format ${opts.format} is not supported`, {
      subject: '--format',
      fix: 'pass --format parquet',
    });
  }
  // -f and --task export that task's tables; --warehouse every table of the file.
  const x = (task: string | undefined) => ({ outDir: resolve(opts.out), task, timeoutMs: opts.timeoutMs });
  return readWarehouse(
    opts,
    async (bus, target, task) =>
      (await requestWarehouseExport(bus, target, x(task)))?.map((f) => ({ ...f, rows: Number(f.rows) })),
    (file, task) => file.exportParquet(x(task)),
  );
}

export async function exportCommand(opts: ExportOptions & { json: boolean }): Promise<void> {
  const files = await exportWarehouse(opts);
  if (opts.json) {
    console.log(toJson(files));
    return;
  }
  for (const f of files) console.log(`${f.object}\t${f.rows} rows\t${f.path}`);
}
