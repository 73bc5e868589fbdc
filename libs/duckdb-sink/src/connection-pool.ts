import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
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

/** Idle connections of one DuckDB instance, reused by every write. */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly path: string,
  ) {}

  /** `memoryLimit`: DuckDB's cache cap (e.g. '256MB'); unset = DuckDB's default (80% of RAM). */
  static async open(path: string, opts: { memoryLimit?: string } = {}): Promise<ConnectionPool> {
    return new ConnectionPool(await openInstance(path, opts), path);
  }

  async with<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new TidewaterError('TW_INTERNAL', `warehouse ${this.path} is closed`);
    const c = this.idle.pop() ?? (await this.instance.connect());
    try {
      return await fn(c);
    } finally {
      if (this.closed) c.closeSync();
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
