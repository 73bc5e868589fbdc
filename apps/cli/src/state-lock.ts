import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';

interface Holder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

export interface StateLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holderOf(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number'
      ? { pid: h.pid, command: String(h.command ?? ''), since: String(h.since ?? '') }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One run per state dir: two would start two NATS servers on one store, which corrupts it
 * for good. The lock is a file naming the holder's pid; a holder that died without
 * releasing it (killed, crashed) leaves a stale lock, which the next run takes over.
 */
export function lockStateDir(stateDir: string): StateLock {
  const path = join(stateDir, 'lock');
  const me: Holder = {
    pid: process.pid,
    command: ['tidewater', ...process.argv.slice(2)].join(' '),
    since: new Date().toISOString(),
  };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me) + '\n', { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = holderOf(path);
    if (other && alive(other.pid)) {
      throw new TidewaterError(
        'TW_STATE_DIR_IN_USE',
        `state directory ${stateDir} is in use by another run (pid ${other.pid}: ${other.command}, since ${other.since})`,
        {
          subject: stateDir,
          fix: `wait for that run to end or stop it (Ctrl-C in its terminal, or kill ${other.pid}); to run something else meanwhile, pass another --state-dir`,
        },
      );
    }
    // Stale (holder gone) or unreadable (a holder that died while writing it): take it over.
    if (attempt > 0)
      throw new TidewaterError('TW_STATE_DIR_IN_USE', `cannot take the lock ${path} over`, {
        subject: stateDir,
        fix: `remove ${path} if no tidewater run uses ${stateDir}`,
      });
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return { release: () => removeOwn(path) };
}

function removeOwn(path: string): void {
  if (holderOf(path)?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}
