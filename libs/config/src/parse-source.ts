import { DEFAULTS } from './defaults.js';
import { checkKeys, fail, int, isObject, NESTED_KEYS, str } from './spec-checks.js';
import type { SourceSpec } from './task-spec.js';

const RAW_CREDENTIALS_FIX = 'percent-encode special characters of the user and password (@ → %40, : → %3A, / → %2F, % → %25, # → %23, ? → %3F), or give them as source.user and source.password';

/** A user or password from `source.url`; the message never quotes it (it may be the password). */
function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail('source.url', 'has an invalid percent-escape in its user or password', `write a literal % as %25; ${RAW_CREDENTIALS_FIX}`);
  }
}

export function parseSource(raw: unknown): SourceSpec {
  if (!isObject(raw)) fail('source', 'is required', 'add source: { url: mysql://user:pass@host:3306 } or host/port/user/password keys');
  checkKeys(raw, NESTED_KEYS.source, 'source');
  if (raw.url !== undefined) {
    if (raw.host !== undefined || raw.port !== undefined) fail('source', 'has both url and host/port', 'give either url or host/port/user/password');
    let u: URL;
    try {
      u = new URL(str(raw.url, 'source.url'));
    } catch {
      fail('source.url', 'is not a valid URL', `write it as mysql://user:password@host:3306${String(raw.url).includes('@') ? `; ${RAW_CREDENTIALS_FIX}` : ''}`);
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') fail('source.url', `has scheme ${u.protocol} `, 'use mysql://user:password@host:3306');
    // A raw / ? or # in the password ends the host part early: the rest, credentials
    // included, lands in the path, and the server would be asked as the wrong user.
    if (`${u.pathname}${u.search}${u.hash}`.includes('@')) fail('source.url', 'has an @ after the host part: the user or password holds a character that ends it', RAW_CREDENTIALS_FIX);
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : DEFAULTS.sourcePort,
      user: u.username ? decodeUrlPart(u.username) : (typeof raw.user === 'string' ? raw.user : DEFAULTS.sourceUser),
      password: u.password ? decodeUrlPart(u.password) : (typeof raw.password === 'string' ? raw.password : ''),
    };
  }
  return {
    host: str(raw.host, 'source.host'),
    port: int(raw.port, 'source.port', DEFAULTS.sourcePort, [1, 65535]),
    user: str(raw.user, 'source.user', DEFAULTS.sourceUser),
    password: raw.password === undefined ? '' : typeof raw.password === 'string' ? raw.password : fail('source.password', 'must be a string', 'quote the password'),
  };
}
