import { describe, expect, it } from 'vitest';
import { formatCsv, formatTable, rowObjects } from './result-format.js';

const r = {
  columns: ['id', 'name', 'price'],
  columnTypes: ['BIGINT', 'VARCHAR', 'DECIMAL(10,2)'],
  rows: [
    ['1', 'ann, "the" first', '9.50'],
    ['1234', null, '10.00'],
  ],
};

describe('query output', () => {
  it('aligns a table: numeric types right, text left, NULL shown', () => {
    expect(formatTable(r)).toBe(
      [
        '  id  name              price',
        '----  ----------------  -----',
        '   1  ann, "the" first   9.50',
        '1234  NULL              10.00',
      ].join('\n'),
    );
  });

  it('quotes CSV fields that need it and leaves NULL empty', () => {
    expect(formatCsv(r)).toBe('id,name,price\n1,"ann, ""the"" first",9.50\n1234,,10.00');
  });

  it('gives JSON rows as objects by column', () => {
    expect(rowObjects(r)).toEqual([
      { id: '1', name: 'ann, "the" first', price: '9.50' },
      { id: '1234', name: null, price: '10.00' },
    ]);
  });
});
