import { z } from 'zod';
import { SOURCE_DEFAULTS } from './parse-source.js';
import { Bad, checkStr, leaf, oneOf, section } from './spec-leaves.js';
import { doc } from './spec-keydoc.js';
import { destination, heartbeat, source } from './spec-endpoints.js';
import { dbList, mapping, objects } from './spec-objects.js';
import { full, incremental, migrationTypes, retry, throttle } from './spec-transfer.js';
import { sink } from './spec-sink.js';
import { alerts } from './spec-alerts.js';
import type { TaskSpec } from './task-spec.js';

// The one list of task-spec keys: the validation (with its defaults), and the key table of
// docs/task-spec.md (tools/docs/spec-table.ts writes it; spec-doc.test.ts fails when it is stale).
// The sections live by topic: the two ends (spec-endpoints.ts), how the data moves
// (spec-transfer.ts), what is migrated under which names (spec-objects.ts); this file composes
// them with the task's own keys. `objects`/`dbList` are validated in parse-objects.ts.

const name = leaf((v) => {
  const s = checkStr(v);
  // The name becomes a NATS subject token and part of consumer names: no dots.
  if (s instanceof Bad || /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(s)) return s;
  return new Bad('may hold letters, digits, _ and - (at most 63, no dots)', () => 'rename the task');
});

/** Every key of a task spec; the order is the docs table's and that of a validated spec's keys. */
export const taskSpecSchema = section({
  name: doc(name, {
    type: 'string',
    allowed: '`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$` (no `.`: the id is a NATS subject token)',
    meaning:
      'The task id. Creating a task with an existing name and the identical spec returns the existing task (this is how a re-run of `migrate` continues); a different spec under the same name is refused.',
  }),
  source,
  destination,
  migrationTypes,
  objects,
  dbList,
  full,
  incremental,
  conflictMode: doc(oneOf(['precheck', 'ignore'] as const).default('precheck'), {
    meaning:
      "DTS's processing mode of conflicting tables. `precheck`: the precheck item `destination.conflict` fails if `<t>_base` or `<t>_log` exists and was not created by this task (and the schema stage refuses it with `TW_DEST_CONFLICT`). `ignore`: the item is a warning to accept; the existing table is adopted — the full copy inserts only keys it does not hold (**an existing row wins** on a key conflict), the change stream overwrites (the `_merged` view shows the source's latest row), and only the columns the existing table shares with the source are migrated. An existing table without the key columns (or a `_log` without the additional columns) fails clearly.",
  }),
  temporalMapping: doc(oneOf(['native', 'string'] as const).default('native'), {
    meaning:
      '`native`: DATE → DATE, DATETIME/TIMESTAMP → TIMESTAMP, zero dates become NULL. `string`: these columns are VARCHAR holding exactly what MySQL prints, zero dates included ([type-mapping.md](type-mapping.md)).',
  }),
  retry,
  capitalization: doc(oneOf(['dts', 'source', 'lower', 'upper'] as const).default('dts'), {
    meaning:
      "Case of derived destination names (databases, tables, columns). `dts` is DTS's default for MaxCompute, which keeps names lower-case; `source` keeps the source spelling. Names written in `as`/`columns` are kept as written; `_base`/`_log`/`_merged` and the additional columns stay lower-case.",
  }),
  mapping,
  throttle,
  heartbeat,
  sink,
  alerts,
});

/** A spec as the schema validates it: everything but `objects`, which parse-objects.ts fills in. */
export type SchemaSpec = z.output<typeof taskSpecSchema>;
// The schema's output is a TaskSpec (objects aside) with the same keys: a key added to one and
// not the other, or typed differently, fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameKeys: Same<Exclude<keyof SchemaSpec, 'dbList'>, keyof TaskSpec> = true;
const fitsTaskSpec = (s: Omit<SchemaSpec, 'objects' | 'dbList'>): Omit<TaskSpec, 'objects'> => s;
void sameKeys;
void fitsTaskSpec;

/** The defaults of every section, as a spec without them gets them. */
export const DEFAULTS = {
  source: SOURCE_DEFAULTS,
  destination: taskSpecSchema.shape.destination.parse(undefined),
  migrationTypes: taskSpecSchema.shape.migrationTypes.parse(undefined),
  full: taskSpecSchema.shape.full.parse(undefined),
  incremental: taskSpecSchema.shape.incremental.parse(undefined),
  conflictMode: taskSpecSchema.shape.conflictMode.parse(undefined),
  temporalMapping: taskSpecSchema.shape.temporalMapping.parse(undefined),
  retry: taskSpecSchema.shape.retry.parse(undefined),
  capitalization: taskSpecSchema.shape.capitalization.parse(undefined),
  heartbeat: taskSpecSchema.shape.heartbeat.parse(undefined),
  sink: taskSpecSchema.shape.sink.parse(undefined),
};
