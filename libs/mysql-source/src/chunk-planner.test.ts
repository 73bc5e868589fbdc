import { describe, expect, it } from 'vitest';
import type { ColumnDef } from '@tidewater/proto';
import { splitIntegerRange, type IntegerChunk } from './chunk-planner.js';
import { pickRowKey, type IndexInfo } from './schema-reader.js';

function expectPartition(chunks: readonly IntegerChunk[]): void {
  expect(chunks[0]?.lower).toBeUndefined();
  expect(chunks.at(-1)?.upper).toBeUndefined();
  for (let i = 1; i < chunks.length; i++) {
    expect(chunks[i]!.lower).toBe(chunks[i - 1]!.upper);
    if (i < chunks.length - 1) expect(chunks[i]!.upper! > chunks[i]!.lower!).toBe(true);
  }
}

describe('splitIntegerRange', () => {
  it('splits a dense key into chunks of about targetRows values', () => {
    const chunks = splitIntegerRange(1n, 1000n, 1000n, 100)!;
    expectPartition(chunks);
    expect(chunks.map((c) => c.upper)).toEqual([100n, 200n, 300n, 400n, 500n, 600n, 700n, 800n, 900n, undefined]);
    expect(chunks.every((c) => c.estimatedRows === 100n)).toBe(true);
  });

  it('one open chunk when the whole range fits', () => {
    expect(splitIntegerRange(5n, 50n, 46n, 100)).toEqual([{ lower: undefined, upper: undefined, estimatedRows: 46n }]);
  });

  it('refuses sparse keys (fewer than one row per two values)', () => {
    expect(splitIntegerRange(1n, 1_000_000n, 400_000n, 1000)).toBeUndefined();
    expect(splitIntegerRange(1n, 1_000_000n, 0n, 1000)).toBeUndefined();
  });

  it('never spans more than 2 x targetRows values, whatever the statistics claim', () => {
    for (const est of [500_000n, 700_000n, 1_000_000n, 5_000_000n]) {
      const chunks = splitIntegerRange(1n, 1_000_000n, est, 1000)!;
      expectPartition(chunks);
      for (const c of chunks.slice(1, -1)) {
        const width = c.upper! - c.lower!;
        expect(width >= 1000n && width <= 2000n).toBe(true);
      }
    }
  });

  it('handles the extremes of signed and unsigned BIGINT', () => {
    const signed = splitIntegerRange(-(2n ** 63n), 2n ** 63n - 1n, 2n ** 64n, 2 ** 52)!;
    expectPartition(signed);
    expect(signed.length).toBe(4096);
    const unsigned = splitIntegerRange(2n ** 64n - 10n, 2n ** 64n - 1n, 10n, 3)!;
    expectPartition(unsigned);
    expect(unsigned.map((c) => c.upper)).toEqual([2n ** 64n - 8n, 2n ** 64n - 5n, 2n ** 64n - 2n, undefined]);
  });
});

const col = (name: string, nullable = false): ColumnDef => ({
  name,
  dataType: 'int',
  columnType: 'int',
  nullable,
  unsigned: false,
  precision: 10,
  scale: 0,
  fsp: 0,
  charset: '',
  length: 0n,
  columnDefault: '',
  collation: '',
});
const ix = (name: string, columns: (string | null)[], unique = true, prefix = false): IndexInfo => ({
  name,
  columns,
  unique,
  prefix,
});

describe('pickRowKey', () => {
  const cols = [col('a'), col('b'), col('c', true), col('d')];

  it('takes the primary key in key order', () => {
    expect(pickRowKey(cols, [ix('u', ['a']), ix('PRIMARY', ['d', 'b'])])).toEqual(['d', 'b']);
  });

  it('else the unique key over NOT NULL columns: no prefix, fewest columns, then by name', () => {
    expect(pickRowKey(cols, [ix('z_wide', ['a', 'b']), ix('y_one', ['d']), ix('x_one', ['b'])])).toEqual(['b']);
    expect(pickRowKey(cols, [ix('p', ['a'], true, true), ix('q', ['a', 'b'])])).toEqual(['a', 'b']);
  });

  it('ignores non-unique indexes, nullable columns and functional key parts', () => {
    expect(pickRowKey(cols, [ix('k', ['a'], false), ix('n', ['a', 'c']), ix('f', ['a', null])])).toBeUndefined();
    expect(pickRowKey(cols, [])).toBeUndefined();
  });
});
