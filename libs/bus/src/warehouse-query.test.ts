import { describe, expect, it } from 'vitest';
import { NoRespondersError, RequestError, type Msg } from '@nats-io/transport-node';
import { TidewaterError } from '@tidewater/errors';
import {
  requestWarehouseExport,
  requestWarehouseQuery,
  serveWarehouseReads,
  subjects,
  warehouseKey,
  type Bus,
  type WarehouseReadHandlers,
} from './index.js';

/** Core NATS request/reply in memory, with the server's max_payload; no subscriber = no responders. */
function fakeBus(maxPayload = 1024 * 1024): Bus {
  const subs = new Map<string, (err: unknown, msg: Msg) => void>();
  const nc = {
    info: { max_payload: maxPayload },
    subscribe: (subject: string, opts: { callback: (err: unknown, msg: Msg) => void }) => {
      subs.set(subject, opts.callback);
      return { unsubscribe: () => subs.delete(subject) };
    },
    request: (subject: string, data: Uint8Array) =>
      new Promise((resolve, reject) => {
        const callback = subs.get(subject);
        if (!callback) return reject(new RequestError('503', { cause: new NoRespondersError(subject) }));
        callback(null, { data, respond: (reply: Uint8Array) => (resolve({ data: reply }), true) } as unknown as Msg);
      }),
  };
  return { nc } as unknown as Bus;
}

const handlers = (over: Partial<WarehouseReadHandlers>): WarehouseReadHandlers => ({
  query: async () => ({ columns: [], columnTypes: [], rows: [], truncated: '' }),
  export: async () => [],
  failed: () => undefined,
  ...over,
});

describe('warehouse reads over request/reply', () => {
  it('keys subjects by file or task, one token whatever the path', () => {
    const key = warehouseKey({ file: '/data/my warehouse.v2.duckdb' });
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(subjects.warehouseQuery(key)).toBe(`tw.ctl.sink.query.${key}`);
    expect(warehouseKey({ task: 'a' })).not.toBe(warehouseKey({ file: 'a' }));
  });

  it('answers only on the subjects of the targets served; none served = undefined', async () => {
    const bus = fakeBus(200_000);
    const asked: unknown[] = [];
    const served = serveWarehouseReads(
      bus,
      [{ file: '/w.duckdb' }, { task: 'shop' }],
      handlers({
        query: async (q) => (
          asked.push(q),
          {
            columns: ['id', 'big'],
            columnTypes: ['INTEGER', 'BIGINT'],
            rows: [
              [1, '9007199254740993'],
              [null, null],
            ],
            truncated: '',
          }
        ),
        export: async (x) => (asked.push(x), [{ object: 'shop.t_base', path: '/out/shop/t_base.parquet', rows: 3n }]),
      }),
    );
    const r = await requestWarehouseQuery(bus, { task: 'shop' }, { sql: 'SELECT 1', maxRows: 5 });
    expect(r).toEqual({
      columns: ['id', 'big'],
      columnTypes: ['INTEGER', 'BIGINT'],
      rows: [
        [1, '9007199254740993'],
        [null, null],
      ],
      truncated: '',
    });
    expect(await requestWarehouseExport(bus, { file: '/w.duckdb' }, { outDir: '/out', task: 'shop' })).toEqual([
      { object: 'shop.t_base', path: '/out/shop/t_base.parquet', rows: 3n },
    ]);
    // The byte budget is what one reply of this server carries, less room for the rest.
    expect(asked).toEqual([
      { sql: 'SELECT 1', maxRows: 5, timeoutMs: 60_000, maxBytes: 200_000 - 64 * 1024 },
      { outDir: '/out', task: 'shop', timeoutMs: 30 * 60_000 },
    ]);
    expect(await requestWarehouseQuery(bus, { file: '/other.duckdb' }, { sql: 'SELECT 1' })).toBeUndefined();
    served.stop();
    expect(await requestWarehouseExport(bus, { file: '/w.duckdb' }, { outDir: '/out' })).toBeUndefined();
  });

  it("returns the sink's refusal with its code, message and details", async () => {
    const bus = fakeBus();
    const failed: string[] = [];
    serveWarehouseReads(
      bus,
      [{ task: 'shop' }],
      handlers({
        query: async () => {
          throw new TidewaterError('TW_SPEC_INVALID', 'a DELETE statement is not a read', {
            subject: 'SQL',
            fix: 'send one read',
          });
        },
        failed: (what) => void failed.push(what),
      }),
    );
    const e = await requestWarehouseQuery(bus, { task: 'shop' }, { sql: 'DELETE FROM t' }).catch((x: unknown) => x);
    expect((e as TidewaterError).toJSON()).toEqual({
      code: 'TW_SPEC_INVALID',
      message: 'a DELETE statement is not a read',
      details: { subject: 'SQL', fix: 'send one read' },
    });
    expect(failed).toEqual(['query']);
  });
});
