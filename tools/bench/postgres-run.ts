// Shared by the PostgreSQL bench's parts (postgres.ts, postgres-full.ts): the servers' CPU, the task waits, the spec.
import { readdirSync, readFileSync } from 'node:fs';
import type { MariaDbServer } from '@tidewater/testkit';
import { Stage } from '@tidewater/proto';
import type { startLocal } from '../../apps/cli/src/local-run.js';

export type Local = Awaited<ReturnType<typeof startLocal>>;
export const SERVICES = ['coordinator', 'capture', 'snapshot', 'transform', 'sink', 'sink-1', 'sink-2', 'sink-3'];

/**
 * CPU-seconds of the servers this bench started (its descendants named mariadbd, nats-server,
 * postgres), by name, with their ended children (PostgreSQL backends): on 2 shared cores
 * their cost bounds the copy as much as the services'.
 */
export function serverCpu(): Record<string, number> {
  const procs = readdirSync('/proc').flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      return [{ pid: Number(d), ppid: Number(f[1]), comm, secs: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100 }];
    } catch {
      return [];
    }
  });
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!mine.has(p.pid) && mine.has(p.ppid)) grew = Boolean(mine.add(p.pid));
  }
  const out: Record<string, number> = {};
  for (const p of procs)
    if (mine.has(p.pid) && /^(mariadbd|nats-server|postgres)$/.test(p.comm)) out[p.comm] = (out[p.comm] ?? 0) + p.secs;
  return out;
}

/**
 * Resolves when the task reaches `stage`, watching it (WatchTask pushes each state change, as
 * `tidewater migrate` shows progress) rather than polling: polls would cost the coordinator
 * CPU on the same 2 cores as the pipeline, or add their interval to the measured time.
 * Returns when every planned chunk was first seen committed (Date.now(); the stage time if never).
 */
export async function untilDone(local: Local, taskId: string, stage: Stage): Promise<{ chunksCommittedAt: number }> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error(`task not ${Stage[stage]} within 900 s`)), 900_000);
  let committedAt: number | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      ac.signal.addEventListener('abort', () => (ac.signal.reason ? reject(ac.signal.reason) : resolve()));
      local.client
        .watchTask(
          taskId,
          (t) => {
            const planned = t.tables.length > 0 && t.tables.every((x) => x.chunksTotal > 0);
            if (planned && t.tables.every((x) => x.chunksDone >= x.chunksTotal)) committedAt ??= Date.now();
            if (t.stage === Stage.STAGE_FAILED) ac.abort(new Error(`task failed: ${t.errorMessage}`));
            else if (t.stage === stage) ac.abort(null);
          },
          ac.signal,
        )
        .catch(reject);
    });
  } finally {
    clearTimeout(timer);
  }
  return { chunksCommittedAt: committedAt ?? Date.now() };
}

export function spec(name: string, db: MariaDbServer, pgUrl: string, database: string, types: string[]): string {
  return JSON.stringify({
    name,
    source: { host: db.host, port: db.port, user: db.user, password: db.password },
    destination: { type: 'postgres', url: pgUrl },
    migrationTypes: types,
    objects: [{ database }],
  });
}

