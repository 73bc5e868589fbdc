import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { accepts, freePort } from '@tidewater/runtime';
import { join } from 'node:path';
import { TidewaterError } from '@tidewater/errors';

export interface LocalNats {
  readonly url: string;
  stop(): Promise<void>;
}

function findNatsServer(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/bin', '/usr/bin'];
  return dirs.map((d) => join(d, 'nats-server')).find((p) => existsSync(p));
}

/**
 * A private `nats-server -js` whose store lives in the state dir, so a re-run of the same
 * command finds the streams, the task state and its progress where they were.
 */
export async function startLocalNats(stateDir: string): Promise<LocalNats> {
  const bin = findNatsServer();
  if (!bin) {
    throw new TidewaterError('TW_SERVER_MISSING', 'nats-server is not installed', {
      fix: 'apt-get install -y nats-server, or point TIDEWATER_NATS_URL at a running NATS with JetStream',
    });
  }
  const dir = join(stateDir, 'nats');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = openSync(join(stateDir, 'nats.log'), 'a');
  // Batches may exceed NATS' default 1 MiB payload; the streams accept up to 8 MiB.
  const conf = join(stateDir, 'nats.conf');
  writeFileSync(conf, 'max_payload: 8MB\n');
  const child: ChildProcess = spawn(bin, ['-c', conf, '-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', log, log] });
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new TidewaterError('TW_BUS_UNAVAILABLE', `private nats-server did not start (see ${join(stateDir, 'nats.log')})`, { fix: 'check the log; another nats-server may hold the store directory' });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000);
      });
    },
  };
}
