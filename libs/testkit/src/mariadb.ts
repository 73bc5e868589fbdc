import { execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { TidewaterError } from '@tidewater/errors';
import { requireBinary } from './binaries.js';
import { accepts, freePort, startProcess, stopProcess } from './process.js';

export interface MariaDbServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly url: string;
  readonly dataDir?: string;
  stop(): Promise<void>;
  /**
   * Stops and starts the same datadir (kit-started servers only): "the source restarts
   * mid-stream". `whileDown` runs while the server is stopped (e.g. to watch a task retry).
   */
  restart?(whileDown?: () => Promise<void>): Promise<void>;
  /**
   * Stops the server and leaves it down (kit-started servers only): "the primary is gone",
   * by a clean shutdown or a crash (SIGKILL). `restart()` brings it back; `stop()` cleans up.
   */
  halt?(how?: 'graceful' | 'crash'): Promise<void>;
}

export interface MariaDbOptions {
  readonly serverId?: number;
  readonly extraArgs?: readonly string[];
  /** Binary log on (ROW, FULL image). Default true. */
  readonly binlog?: boolean;
}

function fromUrl(url: string): MariaDbServer {
  const u = new URL(url);
  const server: MariaDbServer = {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    url,
    stop: async () => undefined,
    [Symbol.asyncDispose]: async () => undefined,
  };
  return server;
}

/**
 * An initialised datadir is made once per machine and copied for each server: install-db
 * takes seconds, a copy milliseconds. Created in a temp dir and renamed into place, so
 * concurrent test processes never see a half-made template.
 */
function template(installDb: string): string {
  const version = execFileSync(requireBinary('mariadbd'), ['--version'], { encoding: 'utf8' })
    .replace(/\W+/g, '_')
    .slice(0, 60);
  const dir = join(tmpdir(), `tidewater-mariadb-template-${version}`);
  if (existsSync(join(dir, 'mysql'))) return dir;
  const staging = mkdtempSync(join(tmpdir(), 'tidewater-mariadb-staging-'));
  execFileSync(
    installDb,
    [
      '--no-defaults',
      `--datadir=${staging}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'ignore' },
  );
  try {
    renameSync(staging, dir);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return dir;
}

/** A private MariaDB with binlog ROW/FULL on a free port, or the server of TIDEWATER_TEST_MYSQL_URL. */
export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  if (process.env.TIDEWATER_TEST_MYSQL_URL) return fromUrl(process.env.TIDEWATER_TEST_MYSQL_URL);
  return startLocalMariaDb(opts);
}

/** A private MariaDB from the local binaries, whatever TIDEWATER_TEST_MYSQL_URL says (replicas). */
export async function startLocalMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const mariadbd = requireBinary('mariadbd');
  const installDb = requireBinary('mariadb-install-db');
  const root = mkdtempSync(join(tmpdir(), 'tidewater-test-mariadb-'));
  const dataDir = join(root, 'data');
  cpSync(template(installDb), dataDir, { recursive: true });
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    `--socket=${join(root, 'mysqld.sock')}`,
    `--pid-file=${join(root, 'mysqld.pid')}`,
    `--log-error=${join(root, 'error.log')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--user=root',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=256M',
    '--innodb-flush-log-at-trx-commit=2',
    '--sync-binlog=0',
    '--max-connections=500',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    // Rows with a 20 MB value (tests of batches larger than a bus message); the default is 16 MiB.
    '--max-allowed-packet=64M',
    ...(opts.binlog === false
      ? []
      : [
          `--log-bin=${join(dataDir, 'binlog')}`,
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--expire-logs-days=7',
        ]),
    `--server-id=${opts.serverId ?? 1}`,
    ...(opts.extraArgs ?? []),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = startProcess(mariadbd, args, join(root, 'stdout.log'));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) break;
      if (await accepts(port)) {
        try {
          const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
          await c.query('SELECT 1');
          await c.end();
          return;
        } catch {
          // still starting
        }
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = existsSync(join(root, 'error.log'))
      ? readFileSync(join(root, 'error.log'), 'utf8').split('\n').slice(-15).join('\n')
      : '';
    await stopProcess(child, 1_000);
    throw new TidewaterError('TW_SERVER_MISSING', `mariadbd did not start on port ${port}:\n${log}`, {
      fix: 'see the error log above; set TIDEWATER_TEST_MYSQL_URL to use a running server',
    });
  };
  await launch();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcess(child, 10_000);
    rmSync(root, { recursive: true, force: true });
  };
  return {
    host: '127.0.0.1',
    port,
    user: 'root',
    password: '',
    url: `mysql://root@127.0.0.1:${port}`,
    dataDir,
    stop,
    async restart(whileDown?: () => Promise<void>) {
      await stopProcess(child, 10_000);
      try {
        await whileDown?.();
      } finally {
        await launch();
      }
    },
    async halt(how: 'graceful' | 'crash' = 'graceful') {
      await stopProcess(child, 10_000, how === 'crash' ? 'SIGKILL' : 'SIGTERM');
    },
    [Symbol.asyncDispose]: stop,
  };
}
