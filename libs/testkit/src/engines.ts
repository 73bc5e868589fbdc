import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import { TidewaterError } from '@tidewater/errors';
import { findBinary } from './binaries.js';
import { startMariaDb, type MariaDbServer } from './mariadb.js';

/**
 * A MySQL-family source the tests can run against: the local MariaDB binaries (the default,
 * what every suite uses), or a MySQL/MariaDB image run through testcontainers where a Docker
 * engine answers.
 */
export type SourceEngine =
  | { readonly kind: 'mariadb-local'; readonly name: 'mariadb-local' }
  | { readonly kind: 'container'; readonly name: string; readonly flavor: 'mysql' | 'mariadb'; readonly image: string };

export type SourceEngineServer = MariaDbServer & { readonly engine: SourceEngine };

const LOCAL: SourceEngine = { kind: 'mariadb-local', name: 'mariadb-local' };
const FORMS = 'mariadb-local, mysql:<tag> (e.g. mysql:8.0, mysql:8.4) or mariadb:<tag> (e.g. mariadb:11.4)';

/** The engines of TIDEWATER_TEST_ENGINES (comma-separated); unset or empty: mariadb-local. */
export function parseEngines(value: string | undefined): SourceEngine[] {
  const names = [
    ...new Set(
      (value ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (names.length === 0) return [LOCAL];
  return names.map((name) => {
    if (name === 'mariadb-local') return LOCAL;
    const m = /^(mysql|mariadb):([\w][\w.-]*)$/.exec(name);
    if (!m)
      throw new TidewaterError('TW_SPEC_INVALID', `TIDEWATER_TEST_ENGINES: unknown source engine "${name}"`, {
        subject: 'TIDEWATER_TEST_ENGINES',
        fix: `list engines separated by commas, each one of: ${FORMS}`,
      });
    return { kind: 'container', name, flavor: m[1] as 'mysql' | 'mariadb', image: name };
  });
}

/** Where the Docker engine would be: DOCKER_HOST, else the default socket. */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Whether a Docker engine answers at `endpoint` (unix socket: GET /_ping; tcp: a connection). */
export async function dockerAnswers(endpoint: string): Promise<boolean> {
  const u = new URL(endpoint);
  return new Promise<boolean>((resolve) => {
    if (u.protocol === 'unix:') {
      const req = request({ socketPath: u.pathname, path: '/_ping', timeout: 3_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.once('error', () => resolve(false));
      req.once('timeout', () => (req.destroy(), resolve(false)));
      req.end();
      return;
    }
    const s = connect(Number(u.port || 2375), u.hostname);
    s.setTimeout(3_000, () => (s.destroy(), resolve(false)));
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** The error for container engines asked for where no Docker engine answers (never a skip). */
export function dockerMissing(engines: readonly SourceEngine[], endpoint: string): TidewaterError {
  const names = engines.filter((e) => e.kind === 'container').map((e) => e.name);
  return new TidewaterError(
    'TW_SERVER_MISSING',
    `TIDEWATER_TEST_ENGINES asks for ${names.join(', ')}, which ${names.length > 1 ? 'run' : 'runs'} in a container, but no Docker engine answers at ${endpoint}`,
    {
      subject: 'Docker',
      fix: 'start a Docker engine (or set DOCKER_HOST to one that answers), or leave the container engines out of TIDEWATER_TEST_ENGINES (default: mariadb-local)',
    },
  );
}

/** One line per engine for the run log, e.g. "mariadb-local (MariaDB 10.11.19 from /usr/sbin/mariadbd)". */
export function describeEngine(engine: SourceEngine, env: NodeJS.ProcessEnv = process.env): string {
  if (engine.kind === 'container') return `${engine.name} (container via testcontainers)`;
  // The URL may carry a password: name the variable, not its value.
  if (env.TIDEWATER_TEST_MYSQL_URL) return 'mariadb-local (the server of TIDEWATER_TEST_MYSQL_URL)';
  const bin = findBinary('mariadbd');
  if (!bin) return 'mariadb-local (mariadbd not installed)';
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  const version = /Ver\s+(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? 'unknown version';
  return `mariadb-local (MariaDB ${version} from ${bin})`;
}

let announced = false;

/**
 * The engines this run tests against, checked up front: a container engine without Docker
 * fails here, naming Docker. Prints once per process which engines run.
 */
export async function testEngines(env: NodeJS.ProcessEnv = process.env): Promise<SourceEngine[]> {
  const engines = parseEngines(env.TIDEWATER_TEST_ENGINES);
  if (engines.some((e) => e.kind === 'container')) {
    const endpoint = dockerEndpoint(env);
    if (!(await dockerAnswers(endpoint))) throw dockerMissing(engines, endpoint);
  }
  if (!announced) {
    announced = true;
    // stderr: the one console channel the lint rules allow, and not part of any tool's output.
    console.error(`test kit: source engines: ${engines.map((e) => describeEngine(e, env)).join(', ')}`);
  }
  return engines;
}

/** Starts one source server of `engine` with binlog ROW/FULL (and GTID on, for containers). */
export async function startSourceEngine(engine: SourceEngine): Promise<SourceEngineServer> {
  if (engine.kind === 'mariadb-local') return { ...(await startMariaDb()), engine };
  const { startContainerSource } = await import('./container-source.js');
  return { ...(await startContainerSource(engine)), engine };
}
