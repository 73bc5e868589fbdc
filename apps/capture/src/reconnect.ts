import { isRetriable } from '@tidewater/errors';

/**
 * Runs binlog readers one after another until `signal` aborts. `attempt` runs one reader from
 * the last saved checkpoint and resolves with the error that ended it; `interrupted` reports
 * it, then the next reader starts after a pause (longer when retrying cannot help soon).
 */
export async function reconnectLoop(
  signal: AbortSignal,
  attempt: () => Promise<Error>,
  interrupted: (e: Error) => void,
): Promise<void> {
  while (!signal.aborted) {
    const e = await attempt();
    if (signal.aborted) return;
    interrupted(e);
    // Cut short by a stop: a worker whose task failed must not hold its successor back.
    await new Promise<void>((r) => {
      const t = setTimeout(done, isRetriable(e) ? 1_000 : 10_000);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        r();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
