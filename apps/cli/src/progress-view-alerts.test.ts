import { describe, expect, it } from 'vitest';
import { alertLine } from './progress-view.js';

describe('alertLine', () => {
  it('says which rule fires, since when and why', () => {
    const since = Date.UTC(2026, 0, 1, 12, 31, 5);
    expect(
      alertLine(
        { rule: 'lag', sinceMs: BigInt(since), severity: 'warning', summary: 'replication lag 42 s is above 30 s' },
        since + 4 * 60_000,
      ),
    ).toBe('ALERT lag (warning) firing since 12:31:05 UTC (4 min): replication lag 42 s is above 30 s');
  });
});
