import { describe, expect, it } from 'vitest';
import { Batch } from '@tidewater/proto';
import { RowSetBuilder, encodingOf } from '@tidewater/rowcodec';

// The snapshot service's own logic is the chunk copier, exercised end to end by
// apps/cli/src/full-migration.int.test.ts against real servers. Here: the batch it builds
// stays small on the wire (column-wise), which is what makes 2,000-row messages cheap.
describe('snapshot batch encoding', () => {
  it('encodes 2,000 sysbench-like rows column-wise in well under 1 MB', () => {
    const cols = [
      { name: 'id', dataType: 'int', unsigned: false },
      { name: 'k', dataType: 'int', unsigned: false },
      { name: 'c', dataType: 'char', unsigned: false },
      { name: 'pad', dataType: 'char', unsigned: false },
    ].map((c) => ({
      ...c,
      columnType: c.dataType,
      nullable: false,
      precision: 0,
      scale: 0,
      fsp: 0,
      charset: '',
      length: 0n,
      columnDefault: '',
      collation: '',
    }));
    const b = new RowSetBuilder(
      { database: 'b', table: 's' },
      cols.map((c) => c.name),
      cols.map((c) => encodingOf(c)),
    );
    for (let i = 0; i < 2000; i++) b.add([BigInt(i), BigInt(i % 97), 'x'.repeat(120), 'y'.repeat(60)]);
    const bytes = Batch.encode({
      taskId: 't',
      origin: { $case: 'chunk', value: { chunkId: 'c', attempt: 1, seq: 0, last: true, chunkRows: 2000n } },
      tables: [b.finish()],
      schemaChanges: [],
      createdAtMs: 0n,
      sourceTimeMs: 0n,
    }).finish();
    expect(bytes.length).toBeGreaterThan(2000 * 180);
    expect(bytes.length).toBeLessThan(2000 * 200);
    expect(Batch.decode(bytes).tables[0]!.rowCount).toBe(2000);
  });
});
