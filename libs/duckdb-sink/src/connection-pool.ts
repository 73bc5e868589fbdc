import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Semaphore } from 'async-mutex';
import { TidewaterError } from '@tidewater/errors';

/**
 * The DuckDB instance options of a warehouse file. Extensions never load or download
 * implicitly: the file must work offline. Sessions on the same file in the same process
 * (tests) pass the same options and so share the instance.
 */
export function instanceOptions(opts: { memoryLimit?: string } = {}): Record<string, string> {
  return {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    ...(opts.memoryLimit ? { memory_limit: opts.memoryLimit } : {}),
  };
}

/** Opens a warehouse file; a failure names the file and why it may be held. */
export async function openInstance(path: string, opts: { memoryLimit?: string } = {}): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.fromCache(path, instanceOptions(opts));
  } catch (e) {
    throw new TidewaterError(
      'TW_DEST_WRITE',
      `cannot open DuckDB file ${path}: ${(e as Error).message}`,
      {
        subject: path,
        fix: 'check the path is writable and no other process holds the file open (DuckDB allows one writer)',
      },
      { cause: e },
    );
  }
}

/**
 * Permits of the write gate: writes share it (one per sink partition at most, and a task has
 * at most 64), a schema change takes them all.
 */
const WRITE_PERMITS = 64;

/**
 * Idle connections of one DuckDB instance, reused by every write. Writes of the sink
 * partitions run side by side (`with`); a schema change (`exclusive`) runs alone: DuckDB
 * fails an ALTER racing another transaction on the table (catalog write-write conflict) and
 * an appender opened before it (column count), so eight partitions applying one ADD COLUMN
 * at once would retry each other for a long while.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private closed = false;
  private readonly gate = new Semaphore(WRITE_PERMITS);

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly path: string,
  ) {}

  /** `memoryLimit`: DuckDB's cache cap (e.g. '256MB'); unset = DuckDB's default (80% of RAM). */
  static async open(path: string, opts: { memoryLimit?: string } = {}): Promise<ConnectionPool> {
    return new ConnectionPool(await openInstance(path, opts), path);
  }

  with<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.gate.runExclusive(() => this.pooled(fn), 1);
  }

  /** `fn` alone: no other write of this warehouse runs meanwhile. */
  exclusive<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.gate.runExclusive(() => this.pooled(fn), WRITE_PERMITS);
  }

  private async pooled<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new TidewaterError('TW_INTERNAL', `warehouse ${this.path} is closed`);
    const c = this.idle.pop() ?? (await this.instance.connect());
    let failed = true;
    try {
      const out = await fn(c);
      failed = false;
      return out;
    } finally {
      // A connection that saw an error may still be inside an aborted transaction (a ROLLBACK
      // that failed too): it is closed, never handed to the next write.
      if (this.closed || failed) c.closeSync();
      else this.idle.push(c);
    }
  }

  /**
   * A connection of its own for `fn`, closed after: reads that may be interrupted
   * (`tidewater query`) never share a connection with the writes.
   */
  async withOwn<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new TidewaterError('TW_INTERNAL', `warehouse ${this.path} is closed`);
    const c = await this.instance.connect();
    try {
      return await fn(c);
    } finally {
      c.closeSync();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.idle.splice(0)) c.closeSync();
    this.instance.closeSync();
  }
}
