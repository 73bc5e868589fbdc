import { describe, expect, it } from 'vitest';
import { recordId, recordIdAt } from './record-id.js';

describe('recordId', () => {
  it('increases with file, position and row, and is the same when replayed', () => {
    expect(recordId('mysql-bin.000001', 900n, 3)).toBeLessThan(recordId('mysql-bin.000002', 4n, 0));
    expect(recordId('mysql-bin.000002', 4n, 1)).toBe(recordId('mysql-bin.000002', 4n, 0) + 1n);
    expect(recordId('x.000007', 123n, 2)).toBe((7n << 32n) + 125n);
    expect(() => recordId('nosuffix', 1n, 0)).toThrow(/sequence/);
  });
});

describe('recordIdAt', () => {
  it('is at or below every row change of a transaction starting at or after the position, above every earlier one', () => {
    const at = recordIdAt({ file: 'mysql-bin.000003', pos: 1000n });
    expect(recordId('mysql-bin.000003', 1000n, 0)).toBe(at);
    expect(recordId('mysql-bin.000003', 1200n, 5)).toBeGreaterThan(at);
    expect(recordId('mysql-bin.000004', 4n, 0)).toBeGreaterThan(at);
    expect(recordId('mysql-bin.000003', 900n, 50)).toBeLessThan(at);
    expect(recordId('mysql-bin.000002', 90_000n, 0)).toBeLessThan(at);
  });
});

describe('record ids across epochs (F1)', () => {
  it('puts every id of a later epoch above every id of an earlier one, whatever the file numbering', () => {
    const late = recordId('mysql-bin.999999', 4_000_000_000n, 99, 0);
    expect(recordId('mysql-bin.000001', 4n, 0, 1)).toBeGreaterThan(late);
    expect(recordIdAt({ file: 'mysql-bin.000001', pos: 4n, epoch: 2 })).toBeGreaterThan(
      recordId('mysql-bin.999999', 4n, 0, 1),
    );
    expect(recordId('x.000007', 123n, 2, 0)).toBe((7n << 32n) + 125n);
  });

  it('refuses an epoch or a file sequence a BIGINT cannot hold, naming the fix', () => {
    expect(() => recordId('mysql-bin.1048576', 4n, 0)).toThrow(/recreate the task|beyond/);
    expect(() => recordId('mysql-bin.000001', 4n, 0, 2048)).toThrow(/beyond/);
    expect(recordId('mysql-bin.1048575', 4n, 0, 2047)).toBeLessThan(2n ** 63n);
  });
});
