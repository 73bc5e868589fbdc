import { TidewaterError } from '@tidewater/errors';
import type { SourceConnection } from './types.js';

const DEFAULT_PORT = 3306;

/**
 * `mysql://user:pass@host:port[/db]` (also `mariadb://`) → connection. User and password are
 * percent-decoded (encode `@ : / ? #` and `%` in them); the port defaults to 3306; an IPv6
 * host is written in brackets. A database path is accepted and ignored: objects are selected
 * by the task, not by the connection. Error messages never echo the URL
 * (it holds the password).
 */
export function parseSourceUrl(url: string): SourceConnection {
  const invalid = (why: string) =>
    new TidewaterError('TW_SPEC_INVALID', `invalid source URL: ${why}`, {
      subject: 'source.url',
      fix: 'write it as mysql://user:password@host:port, percent-encoding special characters in user and password',
    });
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw invalid('not a URL');
  }
  if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:')
    throw invalid(`scheme must be mysql:// (got ${u.protocol}//)`);
  const host = u.hostname.startsWith('[') && u.hostname.endsWith(']') ? u.hostname.slice(1, -1) : u.hostname;
  if (host === '') throw invalid('no host');
  const port = u.port === '' ? DEFAULT_PORT : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(`bad port ${u.port}`);
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(u.username);
    password = decodeURIComponent(u.password);
  } catch {
    throw invalid('bad percent-encoding in user or password');
  }
  if (user === '') throw invalid('no user');
  return { host, port, user, password };
}
