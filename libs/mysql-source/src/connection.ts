import {
  createConnection,
  type Connection,
  type ConnectionOptions,
  type PoolConnection,
  type SslOptions,
} from 'mysql2';
import { createPool, type Pool as PromisePool } from 'mysql2/promise';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { mapDriverError, type ErrorContext } from './driver-errors.js';
import { castValue } from './value-cast.js';
import { driverTlsOptions, fallsBackToPlain, sslOptions } from './tls.js';
import type { SourceConnection } from './types.js';

/**
 * The only place mysql2 connections are made. Invariants:
 * - every connection reads TIMESTAMP in UTC (`time_zone = '+00:00'`) and talks utf8mb4, so
 *   values arrive in the canonical form of value-cast.ts whatever the server defaults are;
 * - pooled (reading) connections are READ ONLY sessions that only run plain consistent reads:
 *   never LOCK TABLES, FLUSH or a write; the source is never blocked by a copy;
 * - `net_write_timeout` is raised because a paused stream (consumer applying backpressure)
 *   leaves the server waiting to write; at the default 60 s a slow bus would kill the read.
 */

// Row filters are rendered with backslash escapes in string literals (libs/expression): the
// session must read them so even where the server's default sql_mode has NO_BACKSLASH_ESCAPES.
const SESSION_SETUP =
  "SET NAMES utf8mb4, time_zone = '+00:00', SESSION net_write_timeout = 600, SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')";
const READ_ONLY = 'SET SESSION TRANSACTION READ ONLY';

function connectionOptions(conn: SourceConnection, ssl: SslOptions | undefined): ConnectionOptions {
  return {
    ...driverTlsOptions(conn, ssl),
    host: conn.host,
    port: conn.port,
    user: conn.user,
    password: conn.password,
    charset: 'UTF8MB4_GENERAL_CI',
    // Values: see value-cast.ts for why each of these is needed.
    typeCast: castValue,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    connectTimeout: 10_000,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
  };
}

/** Applies the session setup to a fresh connection; a connection that refuses it is dropped. */
function setUpSession(c: Connection, statements: readonly string[]): void {
  for (const sql of statements) {
    // Queued before any statement of the caller (mysql2 runs commands in order), so no query
    // can run on a connection whose session is not set up. On failure the connection is
    // destroyed and the caller's queued query fails with it: never a query in the wrong zone.
    c.query(sql, (err) => {
      if (err) c.destroy();
    });
  }
}

/** A pool of reading connections plus, on demand, one ordered session for `query()`. */
export class SourceDb {
  private session: Connection | undefined;
  /** SELECT VERSION() as answered when the pool was verified. */
  version = '';

  private constructor(
    private readonly pool: PromisePool,
    readonly conn: SourceConnection,
    /** TLS as settled when the pool was verified (tls.ts): every later connection uses the same. */
    private readonly ssl: SslOptions | undefined,
  ) {}

  static async open(conn: SourceConnection, poolSize: number): Promise<SourceDb> {
    const ssl = sslOptions(conn);
    try {
      return await SourceDb.openWith(conn, poolSize, ssl);
    } catch (e) {
      // `preferred` against a server without TLS: plain, decided once for the pool and session.
      if (ssl && fallsBackToPlain(conn, e)) return SourceDb.openWith(conn, poolSize, undefined);
      throw e;
    }
  }

  private static async openWith(conn: SourceConnection, poolSize: number, ssl: SslOptions | undefined) {
    const pool = createPool({
      ...connectionOptions(conn, ssl),
      connectionLimit: poolSize,
      maxIdle: poolSize,
      idleTimeout: 60_000,
      // A reset (COM_RESET_CONNECTION) would drop the session setup above.
      resetOnRelease: false,
    });
    pool.pool.on('connection', (c: PoolConnection) => setUpSession(c, [SESSION_SETUP, READ_ONLY]));
    const db = new SourceDb(pool, conn, ssl);
    try {
      // Verifies address, account and session setup in one round trip.
      const [row] = await db.rows('SELECT VERSION()', [], 'connecting');
      db.version = String(row?.[0] ?? '');
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return db;
  }

  errorContext(extra: Partial<Pick<ErrorContext, 'subject' | 'filterSql'>> = {}): ErrorContext {
    const { host, port, user, password, tls } = this.conn;
    return { host, port, user, password, tls, ...extra };
  }

  /** Runs a statement on the pool; result rows as arrays of canonical values. */
  async rows(sql: string, params: readonly unknown[], during: string, subject?: string): Promise<CanonicalValue[][]> {
    try {
      const [result] = await this.pool.query({ sql, values: params as unknown[], rowsAsArray: true });
      return Array.isArray(result) ? (result as unknown as CanonicalValue[][]) : [];
    } catch (e) {
      throw mapDriverError(e, this.errorContext({ subject }), during);
    }
  }

  /** A pooled connection for streaming; the caller releases it, or destroys it mid-result. */
  acquire(subject: string): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      this.pool.pool.getConnection((err, c) => {
        if (err) reject(mapDriverError(err, this.errorContext({ subject }), 'connecting'));
        else resolve(c);
      });
    });
  }

  /**
   * `query()` of the public client: statements run in order on one session that is not part of
   * the pool, so `SET SESSION …` persists between calls (tools and tests rely on it). It is
   * not read-only. A session that broke is replaced on the next call.
   */
  async sessionQuery(sql: string, params: readonly unknown[]): Promise<unknown[][]> {
    const c = this.sessionConnection();
    return new Promise((resolve, reject) => {
      c.query({ sql, values: params as unknown[], rowsAsArray: true }, (err, result) => {
        if (err) {
          if (err.fatal) this.dropSession(c);
          reject(mapDriverError(err, this.errorContext(), 'running a query'));
          return;
        }
        resolve(Array.isArray(result) ? (result as unknown as unknown[][]) : []);
      });
    });
  }

  private sessionConnection(): Connection {
    if (this.session) return this.session;
    const c = createConnection(connectionOptions(this.conn, this.ssl));
    // Without a listener a fatal socket error while idle would be thrown as an uncaught 'error'.
    c.on('error', () => this.dropSession(c));
    setUpSession(c, [SESSION_SETUP]);
    this.session = c;
    return c;
  }

  private dropSession(c: Connection): void {
    if (this.session === c) this.session = undefined;
    c.destroy();
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await new Promise<void>((resolve) => s.end(() => resolve()));
    await this.pool.end();
  }
}
