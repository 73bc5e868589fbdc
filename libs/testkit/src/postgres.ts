import { execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';
import { requireBinary } from './binaries.js';
import { freePort, startProcess, stopProcess } from './process.js';

export interface PostgresServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root: run it as the `postgres` account when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** A private PostgreSQL on a free port (for server destinations), or TIDEWATER_TEST_PG_URL. */
export async function startPostgres(): Promise<PostgresServer> {
  const envUrl = process.env.TIDEWATER_TEST_PG_URL;
  if (envUrl)
    return {
      url: envUrl,
      port: Number(new URL(envUrl).port || 5432),
      stop: async () => undefined,
      [Symbol.asyncDispose]: async () => undefined,
    };
  const initdb = requireBinary('initdb');
  const postgres = requireBinary('postgres');
  const root = mkdtempSync(join(tmpdir(), 'tidewater-test-pg-'));
  const who = runAs();
  if (who) chownSync(root, who.uid, who.gid);
  const data = join(root, 'data');
  execFileSync(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], {
    stdio: 'ignore',
    uid: who?.uid,
    gid: who?.gid,
  });
  const port = await freePort();
  const log = join(root, 'postgres.log');
  const child: ChildProcess = startProcess(
    postgres,
    ['-D', data, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    log,
    who,
  );
  const deadline = Date.now() + 30_000;
  while (!(existsSync(log) && readFileSync(log, 'utf8').includes('ready to accept connections'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new TidewaterError(
        'TW_SERVER_MISSING',
        `postgres did not start:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-1500) : ''}`,
        { fix: 'check the log, or set TIDEWATER_TEST_PG_URL' },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcess(child, 10_000, 'SIGINT');
    rmSync(root, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop, [Symbol.asyncDispose]: stop };
}
