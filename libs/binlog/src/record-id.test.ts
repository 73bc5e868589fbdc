import { describe, expect, it } from 'vitest';
import { recordId } from './record-id.js';

describe('recordId', () => {
  it('increases with file, position and row, and is the same when replayed', () => {
    expect(recordId('mysql-bin.000001', 900n, 3)).toBeLessThan(recordId('mysql-bin.000002', 4n, 0));
    expect(recordId('mysql-bin.000002', 4n, 1)).toBe(recordId('mysql-bin.000002', 4n, 0) + 1n);
    expect(recordId('x.000007', 123n, 2)).toBe((7n << 32n) + 125n);
    expect(() => recordId('nosuffix', 1n, 0)).toThrow(/sequence/);
  });
});
