import type { JsMsg } from '@tidewater/bus';
import { Batch, type ChunkRef, type RowSet } from '@tidewater/proto';

interface Pending {
  readonly attempt: number;
  readonly parts: Map<number, JsMsg>;
  lastSeq: number | undefined;
  chunkRows: bigint;
}

export interface CompleteChunk {
  readonly chunkId: string;
  /** Decoded now, at completion: held as bytes until then (`peekChunkRef`). */
  readonly rowsets: RowSet[];
  readonly messages: JsMsg[];
  readonly chunkRows: bigint;
  /** When the producer made the batch that completed the chunk (the latency metric's start). */
  readonly completedAtProducerMs: bigint;
}

/**
 * Collects the batches of snapshot chunks until a chunk is complete. A chunk commits
 * atomically, so a snapshot worker that died mid-chunk leaves nothing half-written: its
 * retry (a higher attempt) replaces the partial batches, whose messages are acknowledged
 * as superseded. Batches are held unacknowledged until the chunk commits, as their bytes:
 * rows decoded on arrival would outlive the young generation while the chunk fills.
 */
export class ChunkAssembler {
  private readonly pending = new Map<string, Pending>();

  /** Returns the complete chunk when this batch completed it. */
  add(ref: ChunkRef, msg: JsMsg): CompleteChunk | undefined {
    let p = this.pending.get(ref.chunkId);
    if (p && ref.attempt < p.attempt) {
      msg.ack();
      return undefined;
    }
    if (p && ref.attempt > p.attempt) {
      for (const part of p.parts.values()) part.ack();
      p = undefined;
    }
    if (!p) {
      p = { attempt: ref.attempt, parts: new Map(), lastSeq: undefined, chunkRows: 0n };
      this.pending.set(ref.chunkId, p);
    }
    // A redelivered copy of a batch we hold: keep the newest delivery handle.
    p.parts.set(ref.seq, msg);
    if (ref.last) {
      p.lastSeq = ref.seq;
      p.chunkRows = ref.chunkRows;
    }
    if (p.lastSeq === undefined || p.parts.size !== p.lastSeq + 1) return undefined;
    this.pending.delete(ref.chunkId);
    const ordered = [...p.parts.entries()].sort((a, b) => a[0] - b[0]);
    const batches = ordered.map(([, m]) => Batch.decode(m.data));
    return {
      chunkId: ref.chunkId,
      rowsets: batches.map((b) => b.tables[0]!),
      messages: ordered.map(([, m]) => m),
      chunkRows: p.chunkRows,
      completedAtProducerMs: batches[ordered.findIndex(([, m]) => m === msg)]!.createdAtMs,
    };
  }

  /** Tell JetStream the held messages are still being worked on (no redelivery). */
  touch(): void {
    for (const p of this.pending.values()) for (const part of p.parts.values()) part.working();
  }

  /** Give every held message back for redelivery (after a failed commit). */
  releaseAll(): void {
    for (const p of this.pending.values()) for (const part of p.parts.values()) part.nak(1_000);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}
