import { describe, expect, it } from 'vitest';
import { ChangeKind, ValueEncoding, type Batch, type RowSet } from '@tidewater/proto';
import { RowSetBuilder, columnValues } from '@tidewater/rowcodec';
import { chunkPartition } from '@tidewater/task-plan';
import { messageIds } from '@tidewater/bus';
import { passThroughPartition, routeBatch, type Routing } from './route-batch.js';

const routing = (partitions = 8): Routing => ({
  partitions,
  routes: new Map([
    ['shop.a', { destSchema: 'shop', destTable: 'a', keyColumns: ['id'] }],
    ['shop.b', { destSchema: 'shop', destTable: 'b_renamed', keyColumns: ['id'] }],
  ]),
});

type Change = [ChangeKind, number];
/** Change rows of shop.<table>: (kind, id key) each, record ids ascending; an UPDATE pair shares one. */
function changes(table: string, rows: Change[], firstId = 1n): RowSet {
  const b = new RowSetBuilder(
    { database: 'shop', table },
    ['id', 'v'],
    [ValueEncoding.VALUE_ENCODING_INT, ValueEncoding.VALUE_ENCODING_TEXT],
  );
  let id = firstId;
  rows.forEach(([kind, key]) => {
    b.addChange(kind, id, 0n, [BigInt(key), `v${key}`]);
    if (kind !== ChangeKind.CHANGE_KIND_UPDATE_BEFORE) id++;
  });
  return b.finish();
}
const binlog = (tables: RowSet[], schemaChanges: Batch['schemaChanges'] = []): Batch => ({
  taskId: 't',
  origin: {
    $case: 'binlog',
    value: { lastRecordId: 9n, end: { file: 'f.000001', pos: 4n, gtid: '', token: 'x', epoch: 0, server: '' } },
  },
  tables,
  schemaChanges,
  createdAtMs: 0n,
  sourceTimeMs: 0n,
});
/** (partition, key, kind, record id) of every routed row. */
function rowsOf(out: Map<number, Batch>) {
  return [...out].flatMap(([p, b]) =>
    b.tables.flatMap((rs) => {
      const keys = columnValues(rs.columns[0]!, rs.rowCount);
      return keys.map((k, r) => ({ p, table: rs.destTable, key: k, kind: rs.kinds[r], id: rs.recordIds[r]! }));
    }),
  );
}
const all = (n: number) => Array.from({ length: n }, (_, p) => p);

describe('routeBatch', () => {
  it('keeps every change of a key on one partition, across batches, in order', () => {
    const first = rowsOf(
      routeBatch(
        binlog([
          changes(
            'a',
            all(50).map((k) => [ChangeKind.CHANGE_KIND_INSERT, k]),
          ),
        ]),
        routing(),
      ),
    );
    const later = rowsOf(
      routeBatch(
        binlog([
          changes(
            'a',
            all(50).map((k) => [ChangeKind.CHANGE_KIND_DELETE, 49 - k]),
            100n,
          ),
        ]),
        routing(),
      ),
    );
    const where = new Map(first.map((r) => [r.key, r.p]));
    for (const r of later) expect(r.p).toBe(where.get(r.key));
    expect(new Set(first.map((r) => r.p)).size).toBeGreaterThan(1);
    // Within each partition the rows keep the batch's order.
    for (const p of all(8)) {
      const ids = later.filter((r) => r.p === p).map((r) => r.id);
      expect(ids).toEqual([...ids].sort((x, y) => Number(x - y)));
    }
    expect(first.every((r) => r.table === 'a')).toBe(true);
  });

  it("sends both images of an UPDATE to the BEFORE image's partition, a key change included", () => {
    const moves: Change[] = all(40).flatMap((k): Change[] => [
      [ChangeKind.CHANGE_KIND_UPDATE_BEFORE, k],
      [ChangeKind.CHANGE_KIND_UPDATE_AFTER, k + 1000],
    ]);
    const out = routeBatch(binlog([changes('a', moves)]), routing());
    const inserts = rowsOf(
      routeBatch(
        binlog([
          changes(
            'a',
            all(40).map((k) => [ChangeKind.CHANGE_KIND_INSERT, k]),
          ),
        ]),
        routing(),
      ),
    );
    const home = new Map(inserts.map((r) => [r.key, r.p]));
    for (const rs of [...out.values()].flatMap((b) => b.tables)) {
      for (let r = 0; r < rs.rowCount; r += 2) {
        expect([rs.kinds[r], rs.kinds[r + 1]]).toEqual([
          ChangeKind.CHANGE_KIND_UPDATE_BEFORE,
          ChangeKind.CHANGE_KIND_UPDATE_AFTER,
        ]);
        expect(rs.recordIds[r]).toBe(rs.recordIds[r + 1]);
      }
    }
    for (const r of rowsOf(out).filter((x) => x.kind === ChangeKind.CHANGE_KIND_UPDATE_BEFORE))
      expect(r.p).toBe(home.get(r.key));
    expect(rowsOf(out)).toHaveLength(80);
  });

  it('spreads a hot table with 10,000 keys over all 8 partitions within ±30% of even', () => {
    const out = routeBatch(
      binlog([
        changes(
          'a',
          all(10_000).map((k) => [ChangeKind.CHANGE_KIND_INSERT, k * 7 + 3]),
        ),
      ]),
      routing(),
    );
    const counts = all(8).map((p) => out.get(p)?.tables[0]?.rowCount ?? 0);
    expect(counts.reduce((a, b) => a + b)).toBe(10_000);
    for (const n of counts) expect(Math.abs(n - 1250)).toBeLessThanOrEqual(375);
  });

  it('sends a whole snapshot chunk to one partition, by chunk id, and chunks spread', () => {
    const chunk = (chunkId: string): Batch => ({
      ...binlog([
        {
          ...changes('b', [
            [ChangeKind.CHANGE_KIND_INSERT, 1],
            [ChangeKind.CHANGE_KIND_INSERT, 2],
          ]),
          kinds: [],
          recordIds: [],
          eventTimes: [],
        },
      ]),
      origin: { $case: 'chunk', value: { chunkId, attempt: 1, seq: 0, last: true, chunkRows: 2n } },
    });
    const used = new Set<number>();
    for (let c = 0; c < 64; c++) {
      const out = routeBatch(chunk(`t.t1.c${c}`), routing());
      expect(out.size).toBe(1);
      const [p, b] = [...out][0]!;
      expect(p).toBe(chunkPartition('shop', 'b_renamed', `t.t1.c${c}`, 8));
      expect(b.tables[0]!.rowCount).toBe(2);
      // The undecoded forward picks the same partition from the headers.
      expect(passThroughPartition('shop.b', `t.t1.c${c}`, routing())).toBe(p);
      used.add(p);
    }
    expect(used.size).toBe(8);
    expect(passThroughPartition('shop.b', undefined, routing())).toBeUndefined();
  });

  it('sends a schema change to every partition, ahead of the rows in its batch', () => {
    const change = {
      table: { database: 'shop', table: 'a' },
      statement: 'ALTER TABLE a ADD c INT',
      addedColumns: [],
      reason: '',
    };
    const out = routeBatch(binlog([changes('a', [[ChangeKind.CHANGE_KIND_INSERT, 1]])], [change]), routing());
    expect([...out.keys()].sort((x, y) => x - y)).toEqual(all(8));
    for (const b of out.values()) expect(b.schemaChanges).toEqual([change]);
  });

  it('sends an empty change batch to every partition and refuses unknown tables', () => {
    const empty = binlog([]);
    const out = routeBatch(empty, routing(5));
    expect([...out.keys()].sort((x, y) => x - y)).toEqual(all(5));
    expect([...out.values()].map((b) => b.origin)).toEqual(all(5).map(() => empty.origin));
    expect(messageIds.sinkBatch(empty, 1)).not.toBe(messageIds.sinkBatch(empty, 2));
    expect(() => routeBatch(binlog([changes('zzz', [])]), routing())).toThrow(/shop\.zzz/);
  });

  it('keeps a table without a known row key on one partition', () => {
    const keyless: Routing = {
      partitions: 8,
      routes: new Map([['shop.a', { destSchema: 'shop', destTable: 'a', keyColumns: [] }]]),
    };
    const out = routeBatch(
      binlog([
        changes(
          'a',
          all(100).map((k) => [ChangeKind.CHANGE_KIND_INSERT, k]),
        ),
      ]),
      keyless,
    );
    expect(new Set(rowsOf(out).map((r) => r.p)).size).toBe(1);
  });
});
