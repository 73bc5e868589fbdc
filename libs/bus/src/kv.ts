import { Kvm, type KV } from '@nats-io/kv';
import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';

export type { KV, KvEntry } from '@nats-io/kv';

/**
 * Opens (creating if needed) a KV bucket keeping a short history for compare-and-set.
 * `maxAgeMs`: entries vanish that long after their last write (NATS 2.9 has no per-key TTL).
 */
export async function openKv(js: JetStreamClient, bucket: string, opts: { maxAgeMs?: number } = {}): Promise<KV> {
  const kvm = new Kvm(js);
  return kvm.create(bucket, { history: 5, ...(opts.maxAgeMs ? { ttl: opts.maxAgeMs } : {}) });
}

/** A compare-and-set write lost to a concurrent one (the revision moved): read again and retry. */
export function isRevisionConflict(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence ||
      e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
