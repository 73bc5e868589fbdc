import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

const children = new Set<ChildProcess>();
// A crashed test run must not leave servers behind.
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts a server process with its output in `logFile`. */
export function startProcess(
  cmd: string,
  args: string[],
  logFile: string,
  opts: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {},
): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    stdio: ['ignore', fd, fd],
    uid: opts.uid,
    gid: opts.gid,
    env: opts.env ?? process.env,
  });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves when the process is gone. */
export async function stopProcess(
  child: ChildProcess,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal);
  });
}

export { freePort, accepts } from '@tidewater/runtime';
