import { checkInt, must } from './spec-leaves.js';
import { fail, str, type Raw } from './spec-checks.js';
import type { SourceSpec } from './task-spec.js';
import type { SourceTlsSpec } from './spec-source-tls.js';

export const SOURCE_DEFAULTS = { port: 3306, user: 'root' } as const;

const RAW_CREDENTIALS_FIX =
  'percent-encode special characters of the user and password (@ → %40, : → %3A, / → %2F, % → %25, # → %23, ? → %3F), or give them as source.user and source.password';

/** A user or password from `source.url`; the message never quotes it (it may be the password). */
function decodeUrlPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return fail(
      'source.url',
      'has an invalid percent-escape in its user or password',
      `write a literal % as %25; ${RAW_CREDENTIALS_FIX}`,
    );
  }
}

/** `source` once the schema checked it is a mapping of known keys: a URL or host/port/user/password. */
export function parseSource(raw: Raw): SourceSpec {
  // Absent stays absent (= preferred, libs/mysql-source): specs stored before the key existed read the same.
  const tls = raw.tls === undefined ? {} : { tls: raw.tls as SourceTlsSpec };
  if (raw.url !== undefined) {
    if (raw.host !== undefined || raw.port !== undefined)
      fail('source', 'has both url and host/port', 'give either url or host/port/user/password');
    let u: URL;
    try {
      u = new URL(str(raw.url, 'source.url'));
    } catch {
      fail(
        'source.url',
        'is not a valid URL',
        `write it as mysql://user:password@host:3306${String(raw.url).includes('@') ? `; ${RAW_CREDENTIALS_FIX}` : ''}`,
      );
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:')
      fail('source.url', `has scheme ${u.protocol} `, 'use mysql://user:password@host:3306');
    // A raw / ? or # in the password ends the host part early: the rest, credentials
    // included, lands in the path, and the server would be asked as the wrong user.
    if (`${u.pathname}${u.search}${u.hash}`.includes('@'))
      fail(
        'source.url',
        'has an @ after the host part: the user or password holds a character that ends it',
        RAW_CREDENTIALS_FIX,
      );
    return {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : SOURCE_DEFAULTS.port,
      user: u.username ? decodeUrlPart(u.username) : typeof raw.user === 'string' ? raw.user : SOURCE_DEFAULTS.user,
      password: u.password ? decodeUrlPart(u.password) : typeof raw.password === 'string' ? raw.password : '',
      ...tls,
    };
  }
  return {
    host: str(raw.host, 'source.host'),
    port: raw.port === undefined ? SOURCE_DEFAULTS.port : must('source.port', checkInt(raw.port, 1, 65535)),
    user: str(raw.user, 'source.user', SOURCE_DEFAULTS.user),
    password:
      raw.password === undefined
        ? ''
        : typeof raw.password === 'string'
          ? raw.password
          : fail('source.password', 'must be a string', 'quote the password'),
    ...tls,
  };
}
