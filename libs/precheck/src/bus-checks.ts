import type { PrecheckItem, TableSchema } from '@tidewater/proto';
import { isTidewaterError } from '@tidewater/errors';
import { failed, passed, warning } from './item.js';

/** The bus as the precheck needs to know it (the coordinator asks its own connection). */
export interface BusFacts {
  readonly version: string;
  /** The server's max_payload. */
  readonly maxPayload: number;
  /** The largest batch the services may publish (the streams' message limit). */
  readonly largestBatch: number;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Largest value each large-object type holds (bytes). */
const CAPACITY: Record<string, number> = {
  mediumblob: 2 ** 24 - 1,
  mediumtext: 2 ** 24 - 1,
  longblob: 2 ** 32 - 1,
  longtext: 2 ** 32 - 1,
  json: 2 ** 32 - 1,
};

/**
 * `bus.connectivity`, `bus.max_payload` and `bus.large_columns`. A small max_payload only
 * warns: batches are cut at ~768 KiB, and a wide row or a large transaction that exceeds a
 * bus message travels in fragments, so more messages and each such batch held whole in
 * memory by capture, transform and sink. Columns that can hold values above the limit warn
 * for the same reason, naming them.
 */
export async function busChecks(
  ask: () => Promise<BusFacts>,
  schemas: readonly TableSchema[] = [],
): Promise<PrecheckItem[]> {
  let facts: BusFacts;
  try {
    facts = await ask();
  } catch (e) {
    return [
      failed(
        'bus.connectivity',
        isTidewaterError(e) ? e.message : String(e),
        'start nats-server with JetStream (-js) and point TIDEWATER_NATS_URL at it',
      ),
    ];
  }
  return [
    passed('bus.connectivity', `NATS ${facts.version} with JetStream answered`),
    facts.maxPayload >= facts.largestBatch
      ? passed('bus.max_payload', `NATS accepts messages up to ${mib(facts.maxPayload)}`)
      : warning(
          'bus.max_payload',
          `NATS accepts messages up to ${mib(facts.maxPayload)}; a batch holding a wide row or a large transaction can reach ${mib(facts.largestBatch)} and is then sent in fragments of at most ${mib(facts.maxPayload)}`,
          `set max_payload: ${facts.largestBatch / 1024 / 1024}MB in the NATS server configuration (as deploy/nats.conf does), or accept the warning if no row or transaction comes near ${mib(facts.maxPayload)}`,
        ),
    largeColumns(facts, schemas),
  ];
}

function largeColumns(facts: BusFacts, schemas: readonly TableSchema[]): PrecheckItem {
  const limit = Math.min(facts.maxPayload, facts.largestBatch);
  const large = schemas.flatMap((s) =>
    s.columns
      .filter((c) => (CAPACITY[c.dataType] ?? 0) > limit)
      .map((c) => `${s.source!.database}.${s.source!.table}.${c.name} (${c.dataType})`),
  );
  if (!large.length)
    return passed('bus.large_columns', `no column can hold a value larger than a bus message (${mib(limit)})`);
  return warning(
    'bus.large_columns',
    `columns that can hold values larger than a bus message (${mib(limit)}): ${large.join(', ')}; a row above that is sent in fragments and held whole in memory by capture, transform and sink (a change batch with it as well)`,
    'if these values reach hundreds of MiB, exclude the columns via ETL (docs/expressions.md) or give the services memory for several copies of the largest row; otherwise accept the warning',
  );
}
