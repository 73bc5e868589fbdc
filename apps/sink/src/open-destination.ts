import { resolve } from 'node:path';
import { DuckDbWarehouse } from '@tidewater/duckdb-sink';
import { PostgresWarehouse } from '@tidewater/postgres-sink';
import { destinationUrl, type TaskSpec } from '@tidewater/config';
import type { Destination } from '@tidewater/task-plan';
import { answerReads } from './query-responder.js';

interface Shared {
  readonly dest: Promise<Destination>;
  users: number;
}

const open = new Map<string, Shared>();

/**
 * One open destination per target (DuckDB allows one writer per file, so tasks writing the
 * same file share it; a PostgreSQL database may be written by many sinks, each with its own
 * small pool). `release` closes it when its last task lets go.
 */
export async function acquireDestination(
  spec: TaskSpec,
  memoryLimit: string,
): Promise<{ dest: Destination; release: () => Promise<void> }> {
  const d = spec.destination;
  // The key never holds the PostgreSQL password: the spec keeps it apart from the URL.
  const key = d.type === 'postgres' ? `postgres:${d.url}` : `duckdb:${resolve(d.path)}`;
  let shared = open.get(key);
  if (!shared) {
    // The sink's memory must stay flat however large the warehouse grows: cap DuckDB's cache.
    const dest: Promise<Destination> =
      d.type === 'postgres'
        ? PostgresWarehouse.open(destinationUrl(d))
        : DuckDbWarehouse.open(resolve(d.path), { memoryLimit });
    shared = { dest, users: 0 };
    open.set(key, shared);
    dest.catch(() => open.delete(key));
  }
  shared.users++;
  const s = shared;
  const dest = await s.dest;
  // While held, the sink answers `tidewater query` / `export` on the file: no one else can open it.
  const reads = answerReads(dest, spec.name);
  let released = false;
  return {
    dest,
    release: async () => {
      if (released) return;
      released = true;
      await reads.stop();
      if (--s.users === 0) {
        open.delete(key);
        await dest.close();
      }
    },
  };
}
