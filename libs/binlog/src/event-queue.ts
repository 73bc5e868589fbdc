/**
 * Runs queued items through an async handler one at a time, in order. The producer is
 * paused above `high` queued items and resumed once the queue is down to `low`: the binlog
 * socket stops being read instead of memory growing without bound.
 */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private running = false;
  private paused = false;
  private failed = false;

  constructor(
    private readonly handle: (item: T) => Promise<void>,
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly onError: (e: unknown) => void,
    private readonly high = 2_000,
    private readonly low = 200,
  ) {}

  push(item: T): void {
    if (this.failed) return;
    this.items.push(item);
    if (!this.paused && this.items.length >= this.high) {
      this.paused = true;
      this.pause();
    }
    if (!this.running) void this.drain();
  }

  get length(): number {
    return this.items.length;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.items.length > 0 && !this.failed) {
        const item = this.items.shift()!;
        await this.handle(item);
        if (this.paused && this.items.length <= this.low) {
          this.paused = false;
          this.resume();
        }
      }
    } catch (e) {
      this.failed = true;
      this.items.length = 0;
      this.onError(e);
    } finally {
      this.running = false;
    }
  }
}
