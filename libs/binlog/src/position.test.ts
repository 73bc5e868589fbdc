import { describe, expect, it } from 'vitest';
import { positionToken } from './position.js';
import { decimalText, datetimeText, timeText } from './value-decoder.js';

describe('positionToken', () => {
  it('orders positions across files and offsets as strings', () => {
    const t = [
      positionToken('binlog.000002', 4n),
      positionToken('binlog.000001', 999999n),
      positionToken('binlog.000010', 1n),
      positionToken('binlog.000002', 120n),
    ];
    expect([...t].sort()).toEqual([t[1], t[0], t[3], t[2]]);
  });

  it('orders a later epoch above every position of an earlier one (F1)', () => {
    const before = positionToken('binlog.999999', 9_999_999n);
    const failedOver = positionToken('binlog.000001', 4n, 1);
    const reset = positionToken('binlog.000001', 4n, 2);
    expect([reset, before, failedOver].sort()).toEqual([before, failedOver, reset]);
    expect(positionToken('binlog.000002', 4n, 1) > positionToken('binlog.000001', 900n, 1)).toBe(true);
  });
});

describe('value text forms', () => {
  it('prints decimals, datetimes and times with the column scale like SELECT', () => {
    expect(decimalText('1.5', 2)).toBe('1.50');
    expect(decimalText('-12', 0)).toBe('-12');
    expect(datetimeText('2024-01-01 10:00:00', 6)).toBe('2024-01-01 10:00:00.000000');
    expect(datetimeText('2024-01-01 10:00:00.123', 0)).toBe('2024-01-01 10:00:00');
    expect(timeText('-838:59:59', 3)).toBe('-838:59:59.000');
  });
});
