import { describe, expect, it } from 'vitest';
import { Stage, type TaskView } from '@tidewater/proto';
import { ProgressView } from './progress-view.js';

function out(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

const task = (rowsDone: bigint, chunksDone: number): TaskView => ({
  taskId: 't', name: 't', stage: Stage.STAGE_FULL, errorCode: '', errorMessage: '', lagSeconds: 0, position: '', redactedSpecJson: '', precheck: [],
  tables: [{ source: { database: 'shop', table: 'orders' }, destTable: 'orders', destSchema: 'shop', estimatedRows: 1000n, rowsDone, chunksTotal: 2, chunksDone, doneChunks: [], chunks: [], workPublished: true }],
});

describe('ProgressView', () => {
  it('shows rows done against the estimate and marks finished tables', () => {
    const o = out();
    const v = new ProgressView(o.stream);
    v.render(task(500n, 1), true);
    expect(o.text()).toMatch(/shop\.orders\s+500 \/ ~1,000\s+50%/);
    v.render(task(1000n, 2), true);
    expect(o.text()).toMatch(/1,000 \/ ~1,000\s+100%.*done/);
  });
});
