import { describe, expect, it } from 'vitest';
import { ddlDuringFullError, schemaDrift } from './schema-guard.js';

const planned = [
  { name: 'id', columnType: 'int(11)' },
  { name: 'v', columnType: 'varchar(20)' },
  { name: 'n', columnType: 'int(11)' },
];
const table = { database: 'shop', table: 'orders' };

describe('schemaDrift', () => {
  it('is nothing for the same columns, also in another order', () => {
    expect(schemaDrift(planned, planned)).toBeUndefined();
    expect(schemaDrift(planned, [...planned].reverse())).toBeUndefined();
  });
  it('names columns added, dropped and retyped', () => {
    const drift = schemaDrift(planned, [
      { name: 'id', columnType: 'bigint(20)' },
      { name: 'v', columnType: 'varchar(20)' },
      { name: 'tag', columnType: 'varchar(10)' },
    ]);
    expect(drift).toEqual({ added: ['tag varchar(10)'], dropped: ['n'], retyped: ['id: int(11) → bigint(20)'] });
  });
});

describe('ddlDuringFullError', () => {
  it('fails without retry, naming the table, the change and the fix', () => {
    const e = ddlDuringFullError(table, { added: ['tag varchar(10)'], dropped: [], retyped: [] }, planned);
    expect(e.code).toBe('TW_DDL_DURING_FULL');
    expect(e.retriable).toBe(false);
    expect(e.details.subject).toBe('shop.orders');
    expect(e.describe()).toMatch(
      /table shop\.orders changed while its full copy ran \(columns added: tag varchar\(10\)\)/,
    );
    expect(e.describe()).toMatch(/recreate the task, or start it again once the schema is stable.*as in DTS/);
  });
  it('says when the table is gone', () => {
    expect(ddlDuringFullError(table, { added: [], dropped: ['id', 'v', 'n'], retyped: [] }, []).message).toContain(
      'the table is gone',
    );
  });
});
