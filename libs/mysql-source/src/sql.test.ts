import { describe, expect, it } from 'vitest';
import type { ColumnDef } from '@tidewater/proto';
import { chunkSelect, countAfter, keyAtMost, keyGreaterThan, nthKeyAfter, quoteId, selectExpression } from './sql.js';

const col = (name: string, dataType = 'int'): ColumnDef => ({
  name,
  dataType,
  columnType: dataType,
  nullable: false,
  unsigned: false,
  precision: 0,
  scale: 0,
  fsp: 0,
  charset: '',
  length: 0n,
  columnDefault: '',
  collation: '',
});

describe('identifier quoting', () => {
  it('backtick-quotes and doubles inner backticks', () => {
    expect(quoteId('order')).toBe('`order`');
    expect(quoteId('we`ird')).toBe('`we``ird`');
    expect(quoteId('a``b')).toBe('`a````b`');
    expect(quoteId('sp ace.dot')).toBe('`sp ace.dot`');
  });

  it('widens FLOAT to DOUBLE in the select list', () => {
    expect(selectExpression(col('f', 'float'))).toBe('(`f` + 0e0)');
    expect(selectExpression(col('d', 'double'))).toBe('`d`');
  });
});

describe('key range predicates', () => {
  it('single column: plain comparisons', () => {
    expect(keyGreaterThan(['id'], [5n])).toEqual({ sql: '`id` > ?', params: [5n] });
    expect(keyAtMost(['id'], [9n])).toEqual({ sql: '`id` <= ?', params: [9n] });
    expect(keyGreaterThan(['id'], [])).toBeUndefined();
    expect(keyAtMost(['id'], [])).toBeUndefined();
  });

  it('composite: lexicographic OR-chain with a leading range on the first column', () => {
    expect(keyGreaterThan(['a', 'b', 'c'], [1, 2, 3])).toEqual({
      sql: '`a` >= ? AND (`a` > ? OR (`a` = ? AND `b` > ?) OR (`a` = ? AND `b` = ? AND `c` > ?))',
      params: [1, 1, 1, 2, 1, 2, 3],
    });
    expect(keyAtMost(['a', 'b'], ['x', 'y'])).toEqual({
      sql: '`a` <= ? AND (`a` < ? OR (`a` = ? AND `b` <= ?))',
      params: ['x', 'x', 'x', 'y'],
    });
  });

  it('refuses bounds whose arity differs from the key', () => {
    expect(() => keyGreaterThan(['a', 'b'], [1])).toThrow(RangeError);
  });
});

describe('chunk select', () => {
  const table = { database: 'shop', table: 'order' };
  const cols = [col('select'), col('from', 'varchar'), col('f', 'float')];

  it('selects all columns in order, both bounds as placeholders', () => {
    expect(chunkSelect(table, cols, ['select'], [10n], [20n])).toEqual({
      sql: 'SELECT `select`, `from`, (`f` + 0e0) FROM `shop`.`order` WHERE (`select` > ?) AND (`select` <= ?)',
      params: [10n, 20n],
    });
  });

  it('omits open ends, and has no WHERE for a fully open chunk', () => {
    expect(chunkSelect(table, cols, ['select'], [], [20n]).sql).toBe(
      'SELECT `select`, `from`, (`f` + 0e0) FROM `shop`.`order` WHERE (`select` <= ?)',
    );
    expect(chunkSelect(table, cols, ['select'], [], [])).toEqual({
      sql: 'SELECT `select`, `from`, (`f` + 0e0) FROM `shop`.`order`',
      params: [],
    });
  });

  it('ANDs a parenthesized filter after the range; a blank filter is ignored', () => {
    expect(chunkSelect(table, cols, ['select'], [1n], [], "`from` = 'x' OR `select` < 3").sql).toBe(
      "SELECT `select`, `from`, (`f` + 0e0) FROM `shop`.`order` WHERE (`select` > ?) AND (`from` = 'x' OR `select` < 3)",
    );
    expect(chunkSelect(table, cols, ['select'], [], [], '  ').sql).toBe(
      'SELECT `select`, `from`, (`f` + 0e0) FROM `shop`.`order`',
    );
  });

  it('never puts a bound value into the SQL text', () => {
    const evil = "x'); DROP TABLE t; --";
    const q = chunkSelect(table, cols, ['from', 'select'], [evil, 1n], [evil, 9n]);
    expect(q.sql).not.toContain('DROP');
    expect(q.params).toContain(evil);
  });
});

describe('planning queries', () => {
  const table = { database: 'd', table: 't`x' };
  it('finds the n-th key after a bound in key order', () => {
    expect(nthKeyAfter(table, ['a', 'b'], [], 500)).toEqual({
      sql: 'SELECT `a`, `b` FROM `d`.`t``x` ORDER BY `a`, `b` LIMIT 1 OFFSET 499',
      params: [],
    });
    expect(nthKeyAfter(table, ['a'], ['k'], 1)).toEqual({
      sql: 'SELECT `a` FROM `d`.`t``x` WHERE (`a` > ?) ORDER BY `a` LIMIT 1 OFFSET 0',
      params: ['k'],
    });
    expect(() => nthKeyAfter(table, ['a'], [], 0)).toThrow(RangeError);
  });

  it('counts the rest with a cap', () => {
    expect(countAfter(table, ['a'], [3n], 100)).toEqual({
      sql: 'SELECT COUNT(*) FROM (SELECT 1 FROM `d`.`t``x` WHERE (`a` > ?) LIMIT 100) AS capped',
      params: [3n],
    });
  });
});
