import type { PrecheckItem } from '@tidewater/proto';
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

/**
 * `bus.connectivity` and `bus.max_payload`. A small max_payload only warns: batches are cut
 * at ~768 KiB, so only a wide row or a large transaction would exceed NATS' default 1 MiB —
 * but then that batch is refused until the task fails, so the operator must accept it.
 */
export async function busChecks(ask: () => Promise<BusFacts>): Promise<PrecheckItem[]> {
  let facts: BusFacts;
  try {
    facts = await ask();
  } catch (e) {
    return [failed('bus.connectivity', isTidewaterError(e) ? e.message : String(e), 'start nats-server with JetStream (-js) and point TIDEWATER_NATS_URL at it')];
  }
  return [
    passed('bus.connectivity', `NATS ${facts.version} with JetStream answered`),
    facts.maxPayload >= facts.largestBatch
      ? passed('bus.max_payload', `NATS accepts messages up to ${mib(facts.maxPayload)}`)
      : warning(
          'bus.max_payload',
          `NATS accepts messages up to ${mib(facts.maxPayload)}; a batch holding a wide row or a large transaction can reach ${mib(facts.largestBatch)} and would be refused`,
          `set max_payload: ${facts.largestBatch / 1024 / 1024}MB in the NATS server configuration (as deploy/nats.conf does), or accept the warning if no row or transaction comes near ${mib(facts.maxPayload)}`,
        ),
  ];
}
