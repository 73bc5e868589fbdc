import pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { from as copyFrom } from 'pg-copy-streams';
import { TidewaterError } from '@tidewater/errors';

/** What a client of the pool can do; the driver's types stay in this lib. */
export type Client = pg.PoolClient;

/** `host:port/database as user`: how errors and listings name the server, never with the password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
    return `${u.hostname}:${u.port || 5432}/${db}${u.username ? ` as ${decodeURIComponent(u.username)}` : ''}`;
  } catch {
    return 'the PostgreSQL server (URL not parseable)';
  }
}

/** SQLSTATE classes where the server or the network, not the data, failed. */
const UNREACHABLE = /^(08|28|3D|53|57P0[1-3])/;

/**
 * A failed statement as a TidewaterError. Connection and authentication failures name the
 * server (never the password, and the driver error is not attached: it may carry the
 * connection settings); data errors name the table.
 */
export function pgError(e: unknown, server: string, table?: string): TidewaterError {
  if (e instanceof TidewaterError) return e;
  const err = e as Error & { code?: string; detail?: string };
  const code = err.code ?? '';
  if (UNREACHABLE.test(code) || /^E[A-Z]+$/.test(code) || !code) {
    return new TidewaterError('TW_DEST_WRITE', `cannot use PostgreSQL ${server}: ${redact(err.message)}`, {
      subject: server,
      fix: 'check the server is up and reachable, the database exists, and the user and password of destination.url',
    });
  }
  const subject = table ?? server;
  return new TidewaterError(
    'TW_DEST_WRITE',
    `${table ? `write to ${table}` : `statement on ${server}`} failed: ${err.message}${err.detail ? ` (${err.detail})` : ''}`,
    { subject, fix: `check that ${subject} has the column types of docs/type-mapping.md` },
    { cause: e },
  );
}

function redact(message: string): string {
  return message.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}

/** A small pool of connections to one database, with transactions and streamed COPY. */
export class Connection {
  private constructor(
    private readonly pool: pg.Pool,
    readonly server: string,
  ) {}

  /** Fails with TW_DEST_WRITE naming host:port/database when the server cannot be used. */
  static async open(url: string, max = 4): Promise<Connection> {
    const server = describeUrl(url);
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 15_000 });
    // An idle client losing its server must not crash the process; the next use reports it.
    pool.on('error', () => undefined);
    const conn = new Connection(pool, server);
    try {
      await conn.with((c) => c.query('SELECT 1'));
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw pgError(e, server);
    }
    return conn;
  }

  async with<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    let c: Client;
    try {
      c = await this.pool.connect();
    } catch (e) {
      throw pgError(e, this.server);
    }
    let broken: Error | undefined;
    try {
      return await fn(c);
    } catch (e) {
      if (!(e instanceof TidewaterError) && /^(08|57P0)|^E[A-Z]+$/.test((e as { code?: string }).code ?? ''))
        broken = e as Error;
      throw pgError(e, this.server);
    } finally {
      c.release(broken);
    }
  }

  /** `fn` in one transaction; errors roll it back and are mapped (naming `table` when given). */
  async tx<T>(fn: (c: Client) => Promise<T>, table?: string): Promise<T> {
    return this.with(async (c) => {
      await c.query('BEGIN');
      try {
        const r = await fn(c);
        await c.query('COMMIT');
        return r;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw pgError(e, this.server, table);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Streams pieces of COPY text into `sql` (`COPY … FROM STDIN`) on the transaction's client. */
export async function copyIn(c: Client, sql: string, pieces: Iterable<Buffer>): Promise<void> {
  await pipeline(Readable.from(pieces), c.query(copyFrom(sql)));
}

/** Serializes DDL of every sink on one name until the transaction ends. */
export async function advisoryLock(c: Client, name: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
}
