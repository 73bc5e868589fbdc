import type { PrecheckItem } from '@tidewater/proto';
import type { SourceClient, SourceConnection } from '@tidewater/mysql-source';
import { failed, passed } from './item.js';

/**
 * `source.tls`: what the session the precheck opened negotiated, as the server sees it. A mode
 * that requires TLS never gets here without it (the connection fails first, item `source.tls`
 * failed); `preferred` against a server without TLS is plain, and says so.
 */
export async function tlsItem(source: SourceClient, conn: SourceConnection): Promise<PrecheckItem> {
  const mode = conn.tls?.mode ?? 'preferred';
  const status = new Map(
    (await source.query("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')")).map((r) => [
      String(r[0]),
      String(r[1] ?? ''),
    ]),
  );
  const version = status.get('Ssl_version') ?? '';
  const cipher = status.get('Ssl_cipher') ?? '';
  if (version) return passed('source.tls', `connected over ${version} (${cipher}), source.tls.mode ${mode}`);
  if (mode === 'disabled') return passed('source.tls', 'not encrypted: source.tls.mode is disabled');
  if (mode === 'preferred')
    return passed('source.tls', 'not encrypted: the source offers no TLS (source.tls.mode preferred allows plain)');
  // Unreachable unless the server reports no TLS on a session that negotiated it.
  return failed(
    'source.tls',
    `the session to ${conn.host}:${conn.port} is not encrypted although source.tls.mode is ${mode}`,
    'enable TLS on the source server (ssl_cert, ssl_key, ssl_ca)',
  );
}

/** A TLS failure at connect time (TW_SOURCE_TLS) as the `source.tls` item. */
export function tlsFailure(message: string, fix: string): PrecheckItem {
  return failed('source.tls', message, fix);
}
