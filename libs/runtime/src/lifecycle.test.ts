import { describe, expect, it } from 'vitest';
import { createLogger } from '@tidewater/telemetry';
import { Lifecycle, type Component } from './index.js';

describe('Lifecycle', () => {
  it('stops components in reverse order and aborts the shared signal first', async () => {
    const events: string[] = [];
    const lc = new Lifecycle(
      createLogger('t', 'error', () => undefined),
      200,
    );
    const comp = (name: string, stop?: () => Promise<void>): Component => ({
      name,
      start: async (signal) => {
        events.push(`start ${name}`);
        signal.addEventListener('abort', () => events.push(`abort seen by ${name}`));
      },
      stop: stop ?? (async () => void events.push(`stop ${name}`)),
    });
    await lc.start([comp('bus'), comp('worker'), comp('hang', () => new Promise(() => undefined))]);
    await lc.stop();
    expect(events).toEqual([
      'start bus',
      'start worker',
      'start hang',
      'abort seen by bus',
      'abort seen by worker',
      'abort seen by hang',
      'stop worker',
      'stop bus',
    ]);
    expect(lc.signal.aborted).toBe(true);
  });
});
