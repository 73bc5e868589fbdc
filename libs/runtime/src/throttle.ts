/** Limits per second; 0 = unlimited. */
export interface Rates {
  readonly rows?: number;
  readonly bytes?: number;
  readonly queries?: number;
}

type Dim = 'rows' | 'bytes' | 'queries';

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: Clock = {
  now: Date.now,
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * A booking may start this long before its admission when the previous one ended no longer
 * ago: the caller's own work between admissions (publishing, checkpointing) then overlaps the
 * schedule instead of being added to it, which held a busy stream ~15% under its limit. A
 * longer pause is idleness and earns nothing.
 */
const MAX_OVERLAP_MS = 250;

/**
 * Paces work to at most the given rates, shared by every loop of one task in a process.
 * Each admission books its amount on a per-dimension schedule and waits until its booking
 * ends. Bookings of a busy stream are back to back from its first admission, so k
 * admissions never end before (their total amount / rate) has passed since the first one
 * began: there is no free burst, and a short run never exceeds the limit either. After a
 * pause of more than MAX_OVERLAP_MS the schedule starts again from the admission.
 * Rates may change at any time; bookings already made are kept.
 */
export class Throttle {
  private rates: Required<Rates> = { rows: 0, bytes: 0, queries: 0 };
  private readonly nextFree: Record<Dim, number> = { rows: 0, bytes: 0, queries: 0 };

  constructor(
    rates: Rates = {},
    private readonly clock: Clock = realClock,
  ) {
    this.setRates(rates);
  }

  setRates(rates: Rates): void {
    this.rates = { rows: rates.rows ?? 0, bytes: rates.bytes ?? 0, queries: rates.queries ?? 0 };
  }

  get limited(): boolean {
    return this.rates.rows > 0 || this.rates.bytes > 0 || this.rates.queries > 0;
  }

  /** Waits until `amounts` may proceed under every limit. */
  async admit(amounts: Partial<Record<Dim, number>>, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    let until = now;
    for (const dim of ['rows', 'bytes', 'queries'] as const) {
      const rate = this.rates[dim];
      const amount = amounts[dim] ?? 0;
      if (rate <= 0 || amount <= 0) continue;
      const start = now - this.nextFree[dim] <= MAX_OVERLAP_MS ? this.nextFree[dim] : now;
      this.nextFree[dim] = start + (amount / rate) * 1000;
      until = Math.max(until, this.nextFree[dim]);
    }
    const wait = until - now;
    if (wait <= 0) return;
    await this.clock.sleep(wait, signal);
  }
}
