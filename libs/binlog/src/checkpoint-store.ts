import { CaptureCheckpoint, type BinlogPosition, type TableSchema } from '@tidewater/proto';
import { KV_BUCKETS, openKv, type Bus, type KV } from '@tidewater/bus';

/**
 * Capture's resume points: KV `tw_positions`, one CaptureCheckpoint per task (the position and
 * the table schemas valid there). Capture saves one only after the batch reaching it is stored
 * (invariant C1); a deleted task's is removed so a new task under its name starts from its own.
 */
export class CheckpointStore {
  private constructor(private readonly kv: KV) {}

  static async open(bus: Pick<Bus, 'js'>): Promise<CheckpointStore> {
    return new CheckpointStore(await openKv(bus.js, KV_BUCKETS.positions));
  }

  async read(taskId: string): Promise<CaptureCheckpoint | undefined> {
    const saved = await this.kv.get(taskId);
    return saved && saved.value.length ? CaptureCheckpoint.decode(saved.value) : undefined;
  }

  async save(taskId: string, position: BinlogPosition, schemas: TableSchema[]): Promise<void> {
    await this.kv.put(taskId, CaptureCheckpoint.encode({ position, schemas }).finish());
  }

  async delete(taskId: string): Promise<void> {
    await this.kv.delete(taskId);
  }
}
