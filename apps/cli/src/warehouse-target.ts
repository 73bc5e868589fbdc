import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseTaskSpec } from '@tidewater/config';
import { connectBus, type Bus, type WarehouseTarget } from '@tidewater/bus';
import { WarehouseFile } from '@tidewater/duckdb-sink';
import { TidewaterError } from '@tidewater/errors';

/** Which warehouse `tidewater query` / `export` reads: `-f task.yaml`, `--task ID` or `--warehouse FILE`. */
export interface TargetOptions {
  readonly file?: string;
  readonly task?: string;
  readonly warehouse?: string;
  /** Where the local `migrate` / `up` keeps its private NATS. */
  readonly stateDir: string;
}

export const DEFAULT_WAREHOUSE = './warehouse.duckdb';

/**
 * Reads a warehouse wherever it is: a file no process holds is opened read-only here
 * (`offline`); a file a sink holds (DuckDB's lock) or a task's destination is asked of that
 * sink over the bus (`live`).
 */
export async function readWarehouse<T>(
  opts: TargetOptions,
  live: (bus: Bus, target: WarehouseTarget, task: string | undefined) => Promise<T | undefined>,
  offline: (file: WarehouseFile, task: string | undefined) => Promise<T>,
): Promise<T> {
  const { target, task } = targetOf(opts);
  if ('file' in target) {
    const file = await WarehouseFile.openReadOnly(target.file);
    if (file) {
      try {
        return await offline(file, task);
      } finally {
        file.close();
      }
    }
  }
  const url = process.env.TIDEWATER_NATS_URL ?? privateNatsUrl(opts.stateDir);
  const what = 'file' in target ? `warehouse ${target.file}` : `the destination of task ${target.task}`;
  if (!url) throw notAnswered(what, opts, 'no running tidewater migrate/up was found to ask');
  const bus = await connectBus(url, 'tidewater-query');
  try {
    const answer = await live(bus, target, task);
    if (answer === undefined) throw notAnswered(what, opts, `no sink on the NATS at ${url} holds it`);
    return answer;
  } finally {
    await bus.close();
  }
}

/** The target, and the task whose tables it means (`-f`, `--task`; none for a whole file). */
function targetOf(opts: TargetOptions): { target: WarehouseTarget; task?: string } {
  const given = [opts.file && '-f', opts.task && '--task', opts.warehouse && '--warehouse'].filter(Boolean);
  if (given.length > 1) {
    throw new TidewaterError('TW_SPEC_INVALID', `${given.join(' and ')} name the warehouse twice`, {
      subject: given.join(' '),
      fix: 'pass one of -f task.yaml, --task ID or --warehouse FILE',
    });
  }
  if (opts.task) return { target: { task: opts.task }, task: opts.task };
  if (!opts.file) return { target: { file: absolute(opts.warehouse ?? DEFAULT_WAREHOUSE) } };
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (e) {
    throw new TidewaterError('TW_SPEC_INVALID', `cannot read task spec ${opts.file}: ${(e as Error).message}`, {
      subject: opts.file,
      fix: 'pass an existing file with -f',
    });
  }
  const spec = parseTaskSpec(text);
  if (spec.destination.type !== 'duckdb') {
    throw new TidewaterError('TW_SPEC_INVALID', `task ${spec.name} writes to ${spec.destination.type}, not DuckDB`, {
      subject: 'destination.type',
      fix: 'query that database with its own client (docs/merge.md, "Reading the warehouse")',
    });
  }
  // The sink resolves a relative destination.path against the directory it was started in,
  // which for migrate/up is where they were run: run query from there too.
  return { target: { file: absolute(spec.destination.path) }, task: spec.name };
}

/** Absolute and symlink-free, as the sink names the file it holds (one file, one subject). */
function absolute(path: string): string {
  const p = resolve(path);
  return existsSync(p) ? realpathSync(p) : p;
}

/**
 * The private NATS of the `migrate` / `up` running on `stateDir`, from the pid file it keeps
 * there and that process's own command line (`-a HOST -p PORT -sd <stateDir>/nats`): a pid
 * file left by a killed run names no such process and yields nothing.
 */
export function privateNatsUrl(stateDir: string): string | undefined {
  const dir = resolve(stateDir);
  let args: string[];
  try {
    const pid = Number(readFileSync(join(dir, 'nats.pid'), 'utf8').trim());
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
  const arg = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!args[0]?.endsWith('nats-server') || arg('-sd') !== join(dir, 'nats')) return undefined;
  const port = arg('-p');
  return port ? `nats://${arg('-a') ?? '127.0.0.1'}:${port}` : undefined;
}

function notAnswered(what: string, opts: TargetOptions, why: string): TidewaterError {
  const held = opts.task ? '' : 'another process holds the file, and ';
  return new TidewaterError('TW_DEST_WRITE', `cannot read ${what}: ${held}${why}`, {
    subject: what,
    fix: opts.task
      ? `check the task runs (tidewater task status ${opts.task}); a task that ended left its file free: read it with --warehouse FILE`
      : `pass the --state-dir of the tidewater migrate/up that writes it (or set TIDEWATER_NATS_URL to its NATS); if a DuckDB shell holds the file, close it`,
  });
}
