import { describe, expect, it } from 'vitest';
import { Stage, TaskState } from '@tidewater/proto';
import { parseTaskSpec } from '@tidewater/config';
import { nextStage } from './stage-machine.js';
import { applyProgress } from './progress-consumer.js';
import { taskView } from './task-view.js';

const spec = (types: string, partitions = 4) =>
  parseTaskSpec(
    `name: t\nsource: { url: "mysql://u:topsecret@h:3306" }\nobjects: [{ database: d }]\nmigrationTypes: [${types}]\nsink: { partitions: ${partitions} }\n`,
  );

describe('nextStage', () => {
  it('follows schema → full → completed, or → incremental', () => {
    expect(nextStage(Stage.STAGE_SCHEMA, spec('schema, full'))).toBe(Stage.STAGE_FULL);
    expect(nextStage(Stage.STAGE_FULL, spec('schema, full'))).toBe(Stage.STAGE_COMPLETED);
    expect(nextStage(Stage.STAGE_FULL, spec('schema, full, incremental'))).toBe(Stage.STAGE_INCREMENTAL);
    expect(nextStage(Stage.STAGE_SCHEMA, spec('schema'))).toBe(Stage.STAGE_COMPLETED);
  });
});

describe('applyProgress', () => {
  const state = () =>
    TaskState.fromPartial({
      taskId: 't',
      stage: Stage.STAGE_FULL,
      // Four sink partitions: every change batch reaches 0 … 3.
      specJson: JSON.stringify(spec('schema, full, incremental')),
      tables: [
        {
          source: { database: 'd', table: 'a' },
          destSchema: 'd',
          destTable: 'a',
          chunks: [{ chunkId: 'c0' }, { chunkId: 'c1' }],
          chunksTotal: 2,
        },
        ...['b', 'c', 'd'].map((t) => ({ source: { database: 'd', table: t }, destSchema: 'd', destTable: t })),
      ],
    });
  it('counts a chunk once however often it is reported', () => {
    const p = {
      taskId: 't',
      unit: { $case: 'chunkId' as const, value: 'c0' },
      partition: 0,
      rows: 10n,
      bytes: 0n,
      committedAtMs: 0n,
      sourceTimeMs: 0n,
    };
    const once = applyProgress(state(), p)!;
    expect(once.tables[0]!.rowsDone).toBe(10n);
    expect(applyProgress(once, p)).toBeUndefined();
  });
  const at = (token: string, partition: number, sourceTimeMs = 1000n) => ({
    taskId: 't',
    unit: {
      $case: 'binlog' as const,
      value: { end: { file: 'f', pos: 1n, gtid: '', token, epoch: 0, server: '' }, lastRecordId: 1n },
    },
    partition,
    rows: 0n,
    bytes: 0n,
    committedAtMs: 2000n,
    sourceTimeMs,
  });
  /** Every partition committed the batch ending at `token`. */
  const allAt = (s: TaskState, token: string) => [0, 1, 2, 3].reduce((x, p) => applyProgress(x, at(token, p)) ?? x, s);

  it('applies a position once every sink partition committed it, the lowest of them, only forward', () => {
    let s = state();
    for (const p of [0, 1, 2]) s = applyProgress(s, at('c', p, 1500n))!;
    // Partition 3 has not committed anything yet: nothing before 'c' is known to be durable.
    expect(s.appliedPosition).toBeUndefined();
    s = applyProgress(s, at('b', 3))!;
    expect(s.appliedPosition?.token).toBe('b');
    // Current as of the oldest partition, as late as the latest one.
    expect(s.lastSourceTimeMs).toBe(1000n);
    expect(s.lagSeconds).toBe(1);
    expect(applyProgress(s, at('a', 3))).toBeUndefined();
    s = applyProgress(s, at('d', 3, 1500n))!;
    expect(s.appliedPosition?.token).toBe('c');
    expect(s.lagSeconds).toBe(0.5);
  });

  it("waits for every partition of the task's spec, however few tables it has", () => {
    const one = (partitions: number) =>
      TaskState.fromPartial({
        taskId: 't',
        stage: Stage.STAGE_INCREMENTAL,
        specJson: JSON.stringify(spec('schema, incremental', partitions)),
        tables: [{ source: { database: 'd', table: 'a' }, destSchema: 'd', destTable: 'a' }],
      });
    expect(applyProgress(one(1), at('b', 0))!.appliedPosition?.token).toBe('b');
    let s = one(8);
    for (const p of [0, 1, 2, 3, 4, 5, 6]) s = applyProgress(s, at('b', p))!;
    expect(s.appliedPosition).toBeUndefined();
    expect(applyProgress(s, at('b', 7))!.appliedPosition?.token).toBe('b');
  });

  it('records an ADD COLUMN once when several partitions report it', () => {
    const added = (partition: number) => ({
      taskId: 't',
      table: { database: 'd', table: 'a' },
      unit: {
        $case: 'appliedDdl' as const,
        value: {
          table: { database: 'd', table: 'a' },
          statement: 'ALTER TABLE a ADD COLUMN z INT',
          addedColumns: [],
          newSchema: { source: { database: 'd', table: 'a' }, columns: [], keyColumns: ['id'], version: 2 },
          reason: '',
        },
      },
      partition,
      rows: 0n,
      bytes: 0n,
      committedAtMs: 0n,
      sourceTimeMs: 0n,
    });
    const s = applyProgress(state(), added(0))!;
    expect(s.tables[0]!.schema?.version).toBe(2);
    // The other partitions' reports of the same change (past JetStream's duplicate window) change nothing.
    for (const p of [1, 2, 3]) expect(applyProgress(s, added(p))).toBeUndefined();
  });

  it('counts committed change rows once per partition report, however often it is delivered', () => {
    const rows = (token: string, partition: number, n: bigint) => ({ ...at(token, partition), rows: n });
    let s = applyProgress(state(), rows('b', 0, 7n))!;
    s = applyProgress(s, rows('b', 2, 3n))!;
    expect(applyProgress(s, rows('b', 2, 3n))).toBeUndefined();
    expect(s.changesApplied).toBe(10n);
  });

  it('pauses on unsupported DDL; counts a binlog heartbeat once its position is applied, only forward', () => {
    const s = allAt(state(), 'b');
    const paused = applyProgress(s, {
      taskId: 't',
      unit: {
        $case: 'unsupportedDdl',
        value: {
          table: { database: 'd', table: 'a' },
          statement: 'ALTER TABLE a DROP x',
          addedColumns: [],
          reason: '',
        },
      },
      partition: 0,
      rows: 0n,
      bytes: 0n,
      committedAtMs: 0n,
      sourceTimeMs: 0n,
    })!;
    expect(paused.stage).toBe(Stage.STAGE_PAUSED);
    expect(paused.errorMessage).toContain('ALTER TABLE a DROP x');
    const beat = (token: string, t: bigint) => ({
      taskId: 't',
      unit: { $case: 'caughtUp' as const, value: { file: 'f', pos: 1n, gtid: '', token, epoch: 0, server: '' } },
      partition: 0,
      rows: 0n,
      bytes: 0n,
      committedAtMs: t,
      sourceTimeMs: t,
    });
    const fresh = allAt(state(), 'b');
    expect(applyProgress(fresh, beat('c', 5_000n), 5_000)).toBeUndefined();
    const idle = applyProgress(fresh, beat('b', 5_000n), 5_200)!;
    expect(idle.lastSourceTimeMs).toBe(5_000n);
    expect(idle.lagSeconds).toBeCloseTo(0.2);
    expect(applyProgress(idle, beat('b', 4_000n), 5_300)).toBeUndefined();
  });
});

describe('applyProgress on unsupported DDL', () => {
  const ddl = {
    taskId: 't',
    unit: {
      $case: 'unsupportedDdl' as const,
      value: { table: { database: 'd', table: 'a' }, statement: 'ALTER TABLE a DROP x', addedColumns: [], reason: '' },
    },
    partition: 0,
    rows: 0n,
    bytes: 0n,
    committedAtMs: 0n,
    sourceTimeMs: 0n,
  };
  it('leaves a stopped, failed, completed or paused task as it is', () => {
    for (const stage of [Stage.STAGE_STOPPED, Stage.STAGE_FAILED, Stage.STAGE_COMPLETED, Stage.STAGE_PAUSED]) {
      expect(
        applyProgress(TaskState.fromPartial({ taskId: 't', stage, pausedFrom: Stage.STAGE_INCREMENTAL }), ddl),
      ).toBeUndefined();
    }
  });
  it('pauses a task in an active stage, remembering it', () => {
    const paused = applyProgress(TaskState.fromPartial({ taskId: 't', stage: Stage.STAGE_INCREMENTAL }), ddl)!;
    expect([paused.stage, paused.pausedFrom, paused.errorCode]).toEqual([
      Stage.STAGE_PAUSED,
      Stage.STAGE_INCREMENTAL,
      'TW_UNSUPPORTED_DDL',
    ]);
  });
  it('says why capture could not apply a statement when capture tells', () => {
    const addColumn = {
      ...ddl,
      unit: {
        ...ddl.unit,
        value: {
          ...ddl.unit.value,
          statement: 'ALTER TABLE a ADD COLUMN z INT',
          reason: 'a later statement changed d.a',
        },
      },
    };
    const paused = applyProgress(TaskState.fromPartial({ taskId: 't', stage: Stage.STAGE_INCREMENTAL }), addColumn)!;
    expect(paused.errorMessage).toBe(
      'DDL on migrated table d.a paused the task: ALTER TABLE a ADD COLUMN z INT; a later statement changed d.a',
    );
  });
});

describe('taskView', () => {
  it('never carries the password', () => {
    const s = TaskState.fromPartial({
      taskId: 't',
      name: 't',
      stage: Stage.STAGE_CREATED,
      specJson: JSON.stringify(spec('schema, full')),
    });
    expect(JSON.stringify(taskView(s), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
      'topsecret',
    );
  });
});
