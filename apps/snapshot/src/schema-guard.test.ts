import { describe, expect, it } from 'vitest';
import { SnapshotChunk } from '@tidewater/proto';
import type { JsMsg } from '@tidewater/bus';
import type { LiveColumn, SourceClient } from '@tidewater/mysql-source';
import { TidewaterError } from '@tidewater/errors';
import { copyWithSchemaGuard, ddlDuringFullError, schemaDrift } from './schema-guard.js';

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

describe('copyWithSchemaGuard', () => {
  const column = (name: string, columnType: string) => ({
    name,
    columnType,
    dataType: columnType.replace(/\(.*/, ''),
    nullable: true,
    unsigned: false,
    precision: 0,
    scale: 0,
    fsp: 0,
    charset: '',
    length: 0n,
    columnDefault: '',
    collation: '',
  });
  const work = {
    data: SnapshotChunk.encode({
      taskId: 't',
      chunkId: 'c1',
      schema: {
        source: table,
        columns: planned.map((c) => column(c.name, c.columnType)),
        keyColumns: ['id'],
        version: 1,
      },
      lower: [],
      upper: [],
      estimatedRows: 10n,
      rowsPerBatch: 100,
    }).finish(),
  } as unknown as JsMsg;
  const sourceWith = (live: LiveColumn[], reads: { n: number } = { n: 0 }) =>
    ({
      readColumns: async () => {
        reads.n++;
        return live;
      },
    }) as unknown as SourceClient;
  const queryError = new TidewaterError('TW_SOURCE_QUERY', "Unknown column 'n' in 'field list'");

  it('returns the copy when the table still has the planned columns', async () => {
    expect(await copyWithSchemaGuard(sourceWith(planned), work, async () => 42n)).toBe(42n);
  });
  it('fails a copy that succeeded while a column was added', async () => {
    const live = [...planned, { name: 'tag', columnType: 'varchar(10)' }];
    await expect(copyWithSchemaGuard(sourceWith(live), work, async () => 42n)).rejects.toMatchObject({
      code: 'TW_DDL_DURING_FULL',
      message: expect.stringContaining('columns added: tag varchar(10)'),
    });
  });
  it('explains a failed read by the dropped column, and keeps the read error when nothing changed', async () => {
    const fail = async () => {
      throw queryError;
    };
    await expect(copyWithSchemaGuard(sourceWith(planned.slice(0, 2)), work, fail)).rejects.toMatchObject({
      code: 'TW_DDL_DURING_FULL',
      message: expect.stringContaining('columns dropped: n'),
    });
    await expect(copyWithSchemaGuard(sourceWith(planned), work, fail)).rejects.toBe(queryError);
  });
  it('asks nothing of a source while the worker stops', async () => {
    const reads = { n: 0 };
    const stopped = AbortSignal.abort();
    const fail = async () => {
      throw queryError;
    };
    await expect(copyWithSchemaGuard(sourceWith([], reads), work, fail, { signal: stopped })).rejects.toBe(queryError);
    expect(reads.n).toBe(0);
  });
});
