import { fail, type Raw } from './spec-checks.js';
import type { DestinationSpec } from './task-spec.js';

export const DESTINATION_DEFAULTS = { path: './warehouse.duckdb' } as const;
const POSTGRES_FIX = 'write destination: { type: postgres, url: postgres://user:password@host:5432/database }';

/**
 * `destination` once the schema checked its keys. A PostgreSQL URL is kept without its
 * password, which moves to `destination.password`: the spec's one secret field per end, sealed
 * at rest and redacted in listings (secrets.ts, redactSpec), so the URL can be shown as is.
 * Messages never quote the URL (it may hold the password).
 */
export function parseDestination(raw: Raw): DestinationSpec {
  const type = raw.type === 'postgres' ? 'postgres' : 'duckdb';
  const path = typeof raw.path === 'string' ? raw.path : DESTINATION_DEFAULTS.path;
  if (type === 'duckdb') {
    if (raw.url !== undefined || raw.password !== undefined)
      fail('destination.url', 'is for type: postgres', 'remove url/password, or set type: postgres');
    return { type, path };
  }
  if (typeof raw.url !== 'string' || !raw.url) fail('destination.url', 'is required for type: postgres', POSTGRES_FIX);
  let u: URL;
  try {
    u = new URL(raw.url);
  } catch {
    fail('destination.url', 'is not a URL', `${POSTGRES_FIX}; percent-encode special characters of the password`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    fail('destination.url', `has scheme ${u.protocol} `, POSTGRES_FIX);
  if (!u.hostname) fail('destination.url', 'has no host', POSTGRES_FIX);
  if (u.pathname.length < 2) fail('destination.url', 'names no database', POSTGRES_FIX);
  if (raw.password !== undefined && typeof raw.password !== 'string')
    fail('destination.password', 'must be a string', 'quote the password');
  let password = typeof raw.password === 'string' ? raw.password : '';
  if (u.password) {
    try {
      password = decodeURIComponent(u.password);
    } catch {
      fail('destination.url', 'has an invalid percent-escape in its user or password', POSTGRES_FIX);
    }
    u.password = '';
  }
  return { type, path, url: u.toString(), password };
}

/** The URL a driver connects with: the stored URL and its sealed-apart password joined again. */
export function destinationUrl(d: DestinationSpec): string {
  if (!d.url) return '';
  const u = new URL(d.url);
  if (d.password) u.password = encodeURIComponent(d.password);
  return u.toString();
}
