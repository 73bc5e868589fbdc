import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin', '/usr/bin', '/sbin', '/bin'];

function postgresDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql').map((v) => join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    return [];
  }
}

/** Absolute path of a server binary on PATH (or the usual sbin dirs), if installed. */
export function findBinary(
  name: string,
  searchPath = process.env.PATH ?? '',
  extraDirs: readonly string[] = [...EXTRA_DIRS, ...postgresDirs()],
): string | undefined {
  const dirs = [...searchPath.split(':').filter(Boolean), ...extraDirs];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

const HOW_TO_GET: Record<string, { pkg: string; env: string }> = {
  mariadbd: { pkg: 'mariadb-server', env: 'TIDEWATER_TEST_MYSQL_URL=mysql://user:pass@host:port' },
  'mariadb-install-db': { pkg: 'mariadb-server', env: 'TIDEWATER_TEST_MYSQL_URL=mysql://user:pass@host:port' },
  'nats-server': { pkg: 'nats-server', env: 'TIDEWATER_TEST_NATS_URL=nats://host:4222 (JetStream enabled)' },
  postgres: { pkg: 'postgresql', env: 'TIDEWATER_TEST_PG_URL=postgres://user@host:port/db' },
  initdb: { pkg: 'postgresql', env: 'TIDEWATER_TEST_PG_URL=postgres://user@host:port/db' },
};

/** The binary's path, or an error that says what to install (tests never skip silently). */
export function requireBinary(name: string, searchPath?: string, extraDirs?: readonly string[]): string {
  const found = findBinary(name, searchPath, extraDirs);
  if (found) return found;
  const how = HOW_TO_GET[name] ?? { pkg: name, env: '' };
  throw new TidewaterError('TW_SERVER_MISSING', `${name} not found on PATH: the test needs a real server`, {
    subject: name,
    fix: `apt-get install -y ${how.pkg}${how.env ? `, or set ${how.env}` : ''} (no Docker engine for testcontainers here)`,
  });
}
