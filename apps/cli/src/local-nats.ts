import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { accepts, freePort } from '@tidewater/runtime';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';

export interface LocalNats {
  readonly url: string;
  /** Settles, with the reason, once the server died and could not be started again. */
  readonly lost: Promise<TidewaterError>;
  /** Pid of the server now running (tests kill it to prove the restart). */
  pid(): number | undefined;
  stop(): Promise<void>;
}

/** Consecutive failed restarts after which the server counts as lost. */
const MAX_RESTARTS = 5;
/** A server that ran this long before dying starts a fresh count of restarts. */
const STABLE_MS = 60_000;

/**
 * A run killed outright (SIGKILL, OOM) cannot stop its private server, which keeps the store
 * open. The caller holds the state-dir lock, so no live run owns that server: stop it before
 * starting another on the same store, which two servers would corrupt.
 */
async function reapOrphan(pidFile: string, storeDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  const ours = (): boolean => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return cmd.some((a) => a.endsWith('nats-server')) && cmd.includes(storeDir);
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !ours()) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; ours(); waited += 100) {
    if (waited === 5_000) process.kill(pid, 'SIGKILL');
    if (waited === 15_000) {
      throw new TidewaterError(
        'TW_STATE_DIR_IN_USE',
        `the nats-server (pid ${pid}) a killed run left on ${storeDir} does not stop`,
        {
          subject: storeDir,
          fix: `stop pid ${pid} (kill -9 ${pid}) and run the command again`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  return dirs.map((d) => join(d, 'nats-server')).find((p) => existsSync(p));
}

/**
 * A private `nats-server -js` whose store lives in the state dir, so a re-run of the same
 * command finds the streams, the task state and its progress where they were. It is
 * supervised like the services: one that dies is started again on the same store and port,
 * so every client reconnects to it; `notice` says so.
 */
export async function startLocalNats(
  stateDir: string,
  notice: (msg: string) => void = () => undefined,
): Promise<LocalNats> {
  const bin = findNatsServer();
  if (!bin) {
    throw new TidewaterError('TW_SERVER_MISSING', 'nats-server is not installed', {
      fix: 'apt-get install -y nats-server, or point TIDEWATER_NATS_URL at a running NATS with JetStream',
    });
  }
  const dir = join(stateDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const logPath = join(stateDir, 'nats.log');
  const log = openSync(logPath, 'a');
  // Batches may exceed NATS' default 1 MiB payload; the streams accept up to 8 MiB.
  const conf = join(stateDir, 'nats.conf');
  writeFileSync(conf, 'max_payload: 8MB\n');
  const url = `nats://127.0.0.1:${port}`;
  const pidFile = join(stateDir, 'nats.pid');
  await reapOrphan(pidFile, dir);

  /** Starts the server; resolves once it accepts connections, or false when it exited or hung. */
  const launch = async (): Promise<ChildProcess | undefined> => {
    // Its own process group: Ctrl-C in a terminal signals the whole foreground group, and a
    // server gone at once would leave the stopping services waiting on bus calls (lease
    // release, KV writes) until their stop deadline. It is stopped last, by stop().
    const c = spawn(bin, ['-c', conf, '-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port), '-P', pidFile], {
      stdio: ['ignore', log, log],
      detached: true,
    });
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (c.exitCode !== null || Date.now() > deadline) {
        c.kill('SIGKILL');
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return c;
  };

  let child = await launch();
  if (!child) {
    throw new TidewaterError('TW_BUS_UNAVAILABLE', `private nats-server did not start (see ${logPath})`, {
      fix: 'check the log; another nats-server may hold the store directory',
    });
  }
  let stopping = false;
  let reportLost: (e: TidewaterError) => void = () => undefined;
  const lost = new Promise<TidewaterError>((resolve) => (reportLost = resolve));

  const supervise = (c: ChildProcess, startedAt: number, failures: number): void => {
    c.once('exit', (code, signal) => {
      if (stopping) return;
      void (async () => {
        const how = signal ?? `code ${code}`;
        let failed = Date.now() - startedAt >= STABLE_MS ? 0 : failures;
        let what = `private NATS exited (${how}); restarting it on the same store`;
        while (!stopping) {
          if (failed >= MAX_RESTARTS) {
            reportLost(
              new TidewaterError(
                'TW_BUS_UNAVAILABLE',
                `the private nats-server (${url}, store ${dir}) exited (${how}) and did not come back after ${MAX_RESTARTS} restarts (see ${logPath})`,
                {
                  subject: dir,
                  fix: `read ${logPath} for why it stops (disk full, store damaged, port ${port} taken), fix that, then run the same command again: it continues from the store`,
                },
              ),
            );
            return;
          }
          const delay = Math.min(10_000, 250 * 2 ** failed);
          notice(`${what} in ${delay} ms`);
          await new Promise((r) => setTimeout(r, delay));
          if (stopping) return;
          const next = await launch();
          if (next && !stopping) {
            child = next;
            notice(`private NATS is back at ${url}; the services reconnect and continue`);
            supervise(next, Date.now(), failed + 1);
            return;
          }
          next?.kill('SIGKILL');
          failed++;
          what = `private NATS did not start again (see ${logPath}); trying again`;
        }
      })();
    });
  };
  supervise(child, Date.now(), 0);

  return {
    url,
    lost,
    pid: () => child?.pid,
    async stop() {
      stopping = true;
      const c = child!;
      if (c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        setTimeout(() => c.kill('SIGKILL'), 5_000);
      });
    },
  };
}
