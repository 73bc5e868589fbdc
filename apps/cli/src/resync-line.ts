import type { TableResync } from '@tidewater/proto';

const fmt = new Intl.NumberFormat('en-US');

/**
 * `resync #2: 3 / 5 chunks, 12,345 rows into staging (from mysql-bin.000003:1234, since 01:20:05 UTC)`:
 * a table being copied again beside the change stream (docs/merge.md, "Resync").
 */
export function resyncLine(r: TableResync): string {
  const since = new Date(Number(r.startedAtMs)).toISOString().slice(11, 19);
  const from = r.position ? `${r.position.file}:${r.position.pos}` : '?';
  const chunks = r.planned ? `${r.doneChunks.length} / ${r.chunks.length} chunks` : 'planning chunks';
  const done = r.planned && r.workPublished && r.chunks.every((c) => r.doneChunks.includes(c.chunkId));
  const state = done ? ', swapping into _base' : '';
  return `resync #${r.generation}: ${chunks}, ${fmt.format(r.rowsDone)} rows into staging${state} (from ${from}, since ${since} UTC)`;
}
