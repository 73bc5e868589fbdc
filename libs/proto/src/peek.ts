import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ChunkRef } from './gen/tidewater/v1/events.js';

/** Batch field numbers read without decoding the whole message (proto/tidewater/v1/events.proto). */
const BATCH_CHUNK_FIELD = 2;

/**
 * A Batch's snapshot origin, read by skipping every other field: the sink holds a chunk's
 * batches until the chunk is complete, and holding them as bytes rather than decoded rows
 * keeps millions of short strings out of the old generation (they are decoded at commit).
 * Undefined for a batch of another origin.
 */
export function peekChunkRef(bytes: Uint8Array): ChunkRef | undefined {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === BATCH_CHUNK_FIELD && wireType === 2) return ChunkRef.decode(reader, reader.uint32());
    reader.skip(wireType);
  }
  return undefined;
}
