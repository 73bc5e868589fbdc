import { z } from 'zod';
import { Bad, checkOneOf, int, leaf, oneOf, section } from './spec-leaves.js';
import { doc } from './spec-keydoc.js';
import type { PartitionColumn } from './task-spec.js';

// Task-spec keys of how the data moves: the stages of a task, the tuning of the full copy and
// of the change stream, their throttles, and the retry windows (composed in spec-schema.ts).

const PARTITIONS: readonly PartitionColumn[] = [
  'modifytime_year',
  'modifytime_month',
  'modifytime_day',
  'modifytime_hour',
  'modifytime_minute',
];
/** full.chunkRows / full.batchRows: batches the sink holds per chunk (10,000 may be pending per partition). */
const BATCHES_PER_CHUNK = 1_000;
const RATE = [0, 100_000_000] as const;

const migrationTypeList = leaf((v): ('schema' | 'full' | 'incremental')[] | Bad | Bad[] => {
  const fix = () => 'write [schema, full] or [schema, full, incremental]';
  if (!Array.isArray(v)) return new Bad('must be a list', fix);
  const types = v.map((t) => checkOneOf(t, ['schema', 'full', 'incremental'] as const));
  const bad = types.flatMap((t, i) => (t instanceof Bad ? [new Bad(t.message, t.fix, [i])] : []));
  if (bad.length) return bad;
  return types.includes('schema')
    ? (types as ('schema' | 'full' | 'incremental')[])
    : new Bad('must include schema', fix);
});

/** Which stages run: schema, full copy, change stream. */
export const migrationTypes = doc(migrationTypeList.default(['schema', 'full']), {
  type: 'list',
  allowed: '`schema`, `full`, `incremental`; must include `schema`',
  meaning:
    '`[schema]`: tables only. `[schema, full]`: copy and complete. `[schema, full, incremental]`: copy, then stream changes until stopped. `[schema, incremental]`: no copy, `_log` from the binlog position taken in the schema stage.',
});

const fullSection = section({
  chunkRows: doc(int(100, 10_000_000).default(50_000), {
    meaning:
      'Target rows per chunk: the unit of parallel work and of crash recovery. A dense single-column integer key is split arithmetically (no chunk above 2 × `chunkRows`); other keys by walking the key index.',
  }),
  batchRows: doc(int(1, 100_000).default(4_000), {
    meaning: 'Most rows per bus message; a batch is also cut at about 768 KiB of encoded rows.',
  }),
  parallelChunks: doc(int(1, 64).default(4), {
    meaning: 'Chunks each snapshot instance copies at once; it opens `parallelChunks + 1` source connections.',
  }),
}).superRefine(({ chunkRows, batchRows }, ctx) => {
  // The sink holds a chunk's batches unacknowledged until the chunk commits, and a partition
  // allows 10,000 pending messages: far fewer batches per chunk leaves room for wide rows
  // (batches are also cut at ~768 KiB) and for several chunks in flight.
  if (chunkRows / batchRows <= BATCHES_PER_CHUNK) return;
  const fix = `lower full.chunkRows or raise full.batchRows (e.g. batchRows: ${Math.ceil(chunkRows / BATCHES_PER_CHUNK)})`;
  ctx.addIssue({
    code: 'custom',
    path: ['chunkRows'],
    message: `${chunkRows} rows per chunk in batches of ${batchRows} is ${Math.ceil(chunkRows / batchRows)} batches per chunk; at most ${BATCHES_PER_CHUNK}`,
    params: { fix: () => fix },
  });
});

/** The full copy: chunks, batches, parallelism. */
export const full = doc(fullSection.prefault({}), { default: '', meaning: 'Full data migration.' });

const partition = leaf((v): PartitionColumn[] | Bad | Bad[] => {
  if (!Array.isArray(v)) return new Bad('must be a list', () => `choose from ${PARTITIONS.join(', ')}`);
  const cols = v.map((p) => checkOneOf(p, PARTITIONS));
  const bad = cols.flatMap((p, i) => (p instanceof Bad ? [new Bad(p.message, p.fix, [i])] : []));
  if (bad.length) return bad;
  const dup = cols.find((p, i) => cols.indexOf(p) !== i);
  return dup
    ? new Bad(`lists ${String(dup)} twice`, () => 'list each partition column once')
    : (cols as PartitionColumn[]);
});

const incrementalSection = section({
  additionalColumnRule: doc(oneOf(['previous', 'new'] as const).default('previous'), {
    meaning:
      "DTS's naming rule for the additional columns of `_log`: `new` prefixes each with `new_dts_sync_` ([merge.md](merge.md)). Under `previous`, a source column named like one of them fails the precheck.",
  }),
  partition: doc(partition.default([]), {
    type: 'list',
    allowed: `${PARTITIONS.map((p) => `\`${p}\``).join(', ')}, each at most once`,
    meaning: "DTS's partition definition: extra `_log` columns derived from the event time (UTC), in the listed order.",
  }),
  batchRows: doc(int(1, 100_000).default(5_000), {
    meaning:
      'A change batch is sent at the first commit that brings it to this many rows or about 768 KiB. A transaction is never split, so a larger transaction travels as one batch (in fragments when it exceeds a bus message).',
  }),
  flushMs: doc(int(1, 60_000).default(50), {
    meaning: 'Longest a committed change waits in capture before its batch is sent.',
  }),
});

/** The change stream: the `_log` columns and batching. */
export const incremental = doc(incrementalSection.prefault({}), {
  default: '',
  meaning: 'Incremental migration (validated even when `incremental` is not in `migrationTypes`).',
});

const rate = () => int(...RATE).default(0);
/** Rate limits of the full copy and of the change stream. */
export const throttle = section(
  {
    full: doc(
      section(
        { qps: rate(), rps: rate(), mbps: rate() },
        { message: 'must be an object', fix: 'keys: qps, rps, mbps (0 = unlimited)' },
      ).prefault({}),
      {
        allowed: 'integers ≥ 0',
        meaning:
          'Full copy limits per snapshot instance: source queries/s (one query per chunk), rows/s, MB/s (10⁶ bytes of encoded rows). 0 = unlimited.',
      },
    ),
    incremental: doc(
      section(
        { rps: rate(), mbps: rate() },
        { message: 'must be an object', fix: 'keys: rps, mbps (0 = unlimited)' },
      ).prefault({}),
      {
        allowed: 'integers ≥ 0',
        meaning:
          'Change-stream limits: rows/s (an UPDATE counts two, as in `_log`), MB/s. Both throttles can be changed on a running task: `tidewater task throttle ID …` / `SetThrottle`.',
      },
    ),
  },
  { message: 'must be an object', fix: 'write throttle: { full: { rps: 50000 }, incremental: { rps: 10000 } }' },
).prefault({});

/** DTS's two retry windows; the one for other issues must be the smaller. */
export const retry = section(
  {
    connectionMinutes: doc(int(10, 1440).default(720), {
      meaning:
        'DTS "retry time for failed connections": how long lost connections to the source or bus are retried before the task fails ([control-plane.md](control-plane.md#retries)).',
    }),
    otherMinutes: doc(int(1, 1440).optional(), {
      default: '`10`',
      allowed: '1 … 1,440, smaller than `connectionMinutes`',
      meaning: 'DTS "retry time for other issues".',
    }),
  },
  { message: 'must be an object', fix: 'write retry: { connectionMinutes: 720, otherMinutes: 10 }' },
)
  .prefault({})
  .transform(({ connectionMinutes, otherMinutes = Math.min(10, connectionMinutes - 1) }, ctx) => {
    if (otherMinutes < connectionMinutes) return { connectionMinutes, otherMinutes };
    ctx.addIssue({
      code: 'custom',
      path: ['otherMinutes'],
      message: `(${otherMinutes}) must be smaller than retry.connectionMinutes (${connectionMinutes})`,
      params: { fix: () => 'lower retry.otherMinutes or raise retry.connectionMinutes' },
    });
    return z.NEVER;
  });
