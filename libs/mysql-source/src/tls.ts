import { readFileSync } from 'node:fs';
import { connect, isIP, type Socket } from 'node:net';
import { createConnection, type SslOptions } from 'mysql2';
import { TidewaterError } from '@tidewater/errors';
import type { SourceConnection, SourceTls } from './types.js';

/**
 * TLS to the source (`source.tls`), the same for every connection: pools, the ordered session
 * and the binlog stream (zongji hands its options to mysql2 unchanged). Invariants:
 * - `preferred` tries TLS and falls back to plain only when the server's handshake says it has
 *   none (mysql2's HANDSHAKE_NO_SSL_SUPPORT); a certificate or handshake error never falls back;
 * - `verify-ca` checks the chain, `verify-full` also the host name or IP. For an IP literal
 *   mysql2 gives Node no name to check, and Node then checks the certificate against
 *   `localhost`: the socket is made here and names its IP (see `driverTlsOptions`);
 * - errors name the host, the mode and the file paths, never file contents.
 */

export const NO_TLS_SUPPORT = 'HANDSHAKE_NO_SSL_SUPPORT';

export function tlsOf(conn: Pick<SourceConnection, 'tls'>): SourceTls {
  return conn.tls ?? { mode: 'preferred' };
}

function readPem(key: 'ca' | 'cert' | 'key', file: string): Buffer {
  const name = `source.tls.${key}`;
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (e) {
    throw new TidewaterError('TW_SOURCE_TLS', `cannot read ${name} ${file}: ${(e as NodeJS.ErrnoException).code}`, {
      subject: name,
      fix: `point ${name} at a readable PEM file; it is read by every service that reaches the source (coordinator, snapshot, capture), so it must exist where they run`,
    });
  }
  if (!pem.includes('-----BEGIN'))
    throw new TidewaterError('TW_SOURCE_TLS', `${name} ${file} is not a PEM file`, {
      subject: name,
      fix: `give ${name} a PEM file (text starting with -----BEGIN); convert DER with openssl x509 -inform der`,
    });
  return pem;
}

/** mysql2's `ssl` option for a first attempt under the connection's mode; undefined = plain. */
export function sslOptions(conn: Pick<SourceConnection, 'tls'>): SslOptions | undefined {
  const t = tlsOf(conn);
  if (t.mode === 'disabled') return undefined;
  const verify = t.mode === 'verify-ca' || t.mode === 'verify-full';
  return {
    ...(t.ca ? { ca: readPem('ca', t.ca) } : {}),
    ...(t.cert ? { cert: readPem('cert', t.cert) } : {}),
    ...(t.key ? { key: readPem('key', t.key) } : {}),
    rejectUnauthorized: verify,
    verifyIdentity: t.mode === 'verify-full',
  };
}

/**
 * mysql2's options for a connection with `ssl` (undefined = plain). Node checks a certificate's
 * name against `servername || host || socket._host || 'localhost'`; mysql2 sets `servername`
 * only for a DNS name, so for an IP under verify-full the socket is opened here with its `_host`
 * set to that IP, before any credentials are sent.
 */
export function driverTlsOptions(
  conn: Pick<SourceConnection, 'host' | 'port'>,
  ssl: SslOptions | undefined,
): { ssl?: SslOptions; stream?: () => Socket } {
  if (!ssl) return {};
  if (!ssl.verifyIdentity || isIP(conn.host) === 0) return { ssl };
  return {
    ssl,
    stream: () => {
      // What mysql2 does with its own socket: keep-alive (enableKeepAlive) and no Nagle delay.
      const socket = connect(conn.port, conn.host);
      socket.on('connect', () => socket.setKeepAlive(true, 10_000));
      socket.setNoDelay(true);
      (socket as Socket & { _host: string })._host = conn.host;
      return socket;
    },
  };
}

/** Whether a failed connect may be retried in plain: the server has no TLS and the mode allows that. */
export function fallsBackToPlain(conn: Pick<SourceConnection, 'tls'>, e: unknown): boolean {
  if (tlsOf(conn).mode !== 'preferred') return false;
  const err = e as { code?: unknown; details?: { driverCode?: unknown } } | null;
  return err?.code === NO_TLS_SUPPORT || err?.details?.driverCode === NO_TLS_SUPPORT;
}

/**
 * The TLS options of a connection made outside this package (the binlog stream): `{ ssl }`,
 * or `{}` for plain. `preferred` asks the server once; any other failure of that probe is left
 * to the real connection, which reports it.
 */
export async function tlsConnectOptions(conn: SourceConnection): Promise<Readonly<Record<string, unknown>>> {
  const ssl = sslOptions(conn);
  if (!ssl) return {};
  if (tlsOf(conn).mode !== 'preferred') return driverTlsOptions(conn, ssl);
  const plain = await new Promise<boolean>((resolve) => {
    const c = createConnection({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, ssl });
    c.on('error', () => undefined);
    c.connect((err) => {
      c.destroy();
      resolve(fallsBackToPlain(conn, err));
    });
  });
  return plain ? {} : { ssl };
}

// mysql2 reports every failed TLS upgrade as HANDSHAKE_SSL_ERROR; these texts tell a TLS
// problem (not retriable) from a connection dropped mid-handshake (an outage, retried).
const TLS_PROBLEM =
  /certificate|self[- ]signed|altname|verify|issuer|wrong version|alert|handshake failure|protocol|cipher|SSL routines|key/i;
const NODE_CERT_CODES = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_)/;

/** A TLS failure as a TidewaterError, or undefined when the error is not about TLS. */
export function tlsError(
  code: string,
  detail: string,
  ctx: { host: string; port: number; tls?: SourceTls },
): TidewaterError | undefined {
  const t = tlsOf(ctx);
  const at = `${ctx.host}:${ctx.port}`;
  if (code === NO_TLS_SUPPORT) {
    return new TidewaterError(
      'TW_SOURCE_TLS',
      `the source ${at} does not offer TLS, and source.tls.mode is ${t.mode}`,
      {
        subject: at,
        driverCode: code,
        fix: "enable TLS on the server (ssl_cert, ssl_key and ssl_ca in its configuration, then restart it; SHOW VARIABLES LIKE 'have_ssl' must say YES), or set source.tls.mode: preferred to allow a plain connection",
      },
    );
  }
  if (!(code === 'HANDSHAKE_SSL_ERROR' && TLS_PROBLEM.test(detail)) && !NODE_CERT_CODES.test(code)) return undefined;
  const ca = t.ca ? `source.tls.ca ${t.ca}` : 'the system CAs (source.tls.ca is unset)';
  const fix = /altname|host ?name|does not match/i.test(detail)
    ? `the server's certificate does not name ${ctx.host}: connect by a name or IP its subjectAltName holds, reissue the certificate with ${ctx.host} in subjectAltName, or use source.tls.mode: verify-ca (chain only)`
    : /certificate|self[- ]signed|issuer|verify/i.test(detail)
      ? `the server's certificate is not trusted by ${ca}: set source.tls.ca to the CA that signed the server's certificate (the server's ssl_ca), or use source.tls.mode: required (encrypted, not verified)`
      : `check the server's TLS settings (ssl_cert, ssl_key, tls_version) and source.tls (cert/key if the account REQUIRE X509)`;
  return new TidewaterError(
    'TW_SOURCE_TLS',
    `TLS with the source ${at} failed (source.tls.mode ${t.mode}, CA: ${ca}): ${detail}`,
    { subject: at, driverCode: code, fix },
  );
}
