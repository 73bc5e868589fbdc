import type { NatsServer } from '@tidewater/testkit';
import type { LocalRun } from '../../apps/cli/src/local-run.js';

/** The kinds drawn at random; a run also has one `failover` at its own seeded time. */
export const FAULT_KINDS = ['capture', 'transform', 'sink', 'snapshot', 'coordinator', 'nats', 'mariadb'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number] | 'failover';
export const REPORTED_KINDS: readonly FaultKind[] = [...FAULT_KINDS, 'failover'];

export interface FaultRecord {
  /** Seconds since the soak started. */
  readonly at: number;
  readonly kind: FaultKind;
  /** What happened: the killed pid, the restart's duration, or why nothing was done. */
  readonly note: string;
}

/** mulberry32: the same seed gives the same fault sequence, so a finding can be replayed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface FaultLoopOptions {
  readonly local: LocalRun;
  readonly nats: NatsServer;
  /** Restarts the server that is the source at that moment (after the failover, the promoted replica). */
  readonly restartSource: () => Promise<void>;
  /** Once, at `at` (ms since epoch), between two faults: the failover; says what it did. */
  readonly failover?: { readonly at: number; run(): Promise<string> };
  readonly rand: () => number;
  readonly started: number;
  /** No fault starts at or after this time (ms since epoch). */
  readonly until: number;
  /** Told when the source goes down and when it is back, so writer errors can be attributed. */
  readonly sourceDown: (down: boolean) => void;
  readonly log: (line: string) => void;
}

function shuffled<T>(xs: readonly T[], rand: () => number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every 5–15 s (seeded), one fault: SIGKILL of a service (its supervisor restarts it), or a NATS
 * or MariaDB restart; and the failover once, when its time comes. Faults never overlap.
 */
export async function faultLoop(o: FaultLoopOptions): Promise<FaultRecord[]> {
  const faults: FaultRecord[] = [];
  // Kinds drawn from a shuffled bag of all seven, so each is hit once per seven faults.
  const bag: FaultKind[] = [];
  let failover = o.failover;
  for (;;) {
    if (!bag.length) bag.push(...shuffled(FAULT_KINDS, o.rand));
    let kind = bag.pop()!;
    let wait = 5_000 + Math.floor(o.rand() * 10_000);
    if (failover && Date.now() + wait >= failover.at) {
      // The failover takes this turn; the drawn kind waits for the next one.
      bag.push(kind);
      kind = 'failover';
      wait = Math.max(0, failover.at - Date.now());
    }
    if (Date.now() + wait >= o.until) return faults;
    await sleep(wait);
    const at = (Date.now() - o.started) / 1000;
    const t0 = performance.now();
    let note: string;
    if (kind === 'failover') {
      note = `${await failover!.run()} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      failover = undefined;
    } else if (kind === 'nats') {
      await o.nats.restart!();
      note = `restarted in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    } else if (kind === 'mariadb') {
      o.sourceDown(true);
      try {
        await o.restartSource();
      } finally {
        o.sourceDown(false);
      }
      note = `restarted in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    } else {
      const pid = o.local.supervisor.pid(kind);
      // A service the supervisor has not restarted yet has no pid: nothing to kill this round.
      if (pid) process.kill(pid, 'SIGKILL');
      note = pid ? `SIGKILL pid ${pid}` : 'not running (skipped)';
    }
    faults.push({ at, kind, note });
    o.log(`t=${at.toFixed(1)}s fault ${kind}: ${note}`);
  }
}
