import { Kvm, type KV } from '@nats-io/kv';
import type { JetStreamClient } from '@nats-io/jetstream';

export type { KV, KvEntry } from '@nats-io/kv';

/** Opens (creating if needed) a KV bucket keeping a short history for compare-and-set. */
export async function openKv(js: JetStreamClient, bucket: string): Promise<KV> {
  const kvm = new Kvm(js);
  return kvm.create(bucket, { history: 5 });
}
