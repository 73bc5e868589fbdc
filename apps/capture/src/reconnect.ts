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
    await new Promise((r) => setTimeout(r, isRetriable(e) ? 1_000 : 10_000));
  }
}
