import { describe, expect, it } from 'vitest';
import type { BinlogState } from '@tidewater/mysql-source';
import { gtidCovers, GtidTracker } from './gtid-state.js';
import { makePosition } from './position.js';
import { planResume } from './resume-plan.js';

describe('gtidCovers', () => {
  it('compares MariaDB positions per domain by sequence, across server ids (a failover keeps the numbering)', () => {
    expect(gtidCovers('0-2-510', '0-1-500')).toBe(true);
    expect(gtidCovers('0-1-3', '0-1-500')).toBe(false);
    expect(gtidCovers('0-1-600,1-1-5', '0-1-600,1-1-6')).toBe(false);
    expect(gtidCovers('', '0-1-1')).toBe(false);
    expect(gtidCovers('0-1-1', '')).toBe(true);
  });

  it('checks every interval of a MySQL set, tags included', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(gtidCovers(`${u}:1-100,abc:1-5`, `${u}:1-40:45-50`)).toBe(true);
    expect(gtidCovers(`${u}:1-40`, `${u}:1-41`)).toBe(false);
    expect(gtidCovers(`${u}:1-40`, `${u}:1-5,abc:1`)).toBe(false);
    expect(gtidCovers(`${u}:1-9:tag:1-3`, `${u}:tag:2`)).toBe(true);
    expect(gtidCovers('0-1-5', `${u}:1`)).toBe(false);
  });
});

describe('GtidTracker', () => {
  it('keeps the last transaction per MariaDB domain, even from no seed', () => {
    const t = new GtidTracker('');
    t.add('0-1-7');
    t.add('1-1-2');
    t.add('0-1-8');
    t.add(undefined);
    expect(t.text).toBe('0-1-8,1-1-2');
  });

  it('extends a seeded MySQL set, and stays unknown without a seed rather than claim too little', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const seeded = new GtidTracker(`${u}:1-5`);
    seeded.add(`${u}:6`);
    expect(seeded.text).toBe(`${u}:1-6`);
    const blind = new GtidTracker('');
    blind.add(`${u}:6`);
    expect(blind.text).toBe('');
  });
});

const state = (over: Partial<BinlogState> = {}): BinlogState => ({
  server: 'mariadb:1',
  files: [
    { name: 'binlog.000003', size: 5_000n },
    { name: 'binlog.000004', size: 900n },
  ],
  gtid: '0-1-600',
  gtidResume: true,
  ...over,
});
const saved = makePosition('binlog.000004', 800n, { gtid: '0-1-550', server: 'mariadb:1', epoch: 2 });
const plan = (s: BinlogState, from = saved) => planResume('t1', from, s, 'db:3306');

describe('planResume (F1)', () => {
  it('continues by file and offset on the same server, also from a position saved before servers were recorded', () => {
    expect(plan(state())).toEqual({ kind: 'position', from: saved, server: 'mariadb:1' });
    const old = { ...saved, server: '', gtid: '' };
    expect(plan(state(), old)).toMatchObject({ kind: 'position', server: 'mariadb:1' });
  });

  it('resumes on a promoted replica by GTID under the next epoch', () => {
    expect(plan(state({ server: 'mariadb:2', gtid: '0-2-700', files: [{ name: 'binlog.000001', size: 4n }] }))).toEqual(
      { kind: 'gtid', gtid: '0-1-550', epoch: 3, server: 'mariadb:2' },
    );
  });

  it('fails, never skips, when the history was reset: GTIDs behind the checkpoint or the file shorter than the offset', () => {
    expect(() => plan(state({ gtid: '0-1-3' }))).toThrow(expect.objectContaining({ code: 'TW_BINLOG_RESET' }));
    const noGtid = { ...saved, gtid: '' };
    expect(() => plan(state({ files: [{ name: 'binlog.000004', size: 120n }] }), noGtid)).toThrow(
      expect.objectContaining({ code: 'TW_BINLOG_RESET' }),
    );
    try {
      plan(state({ gtid: '0-1-3' }));
    } catch (e) {
      expect((e as { details: { fix: string } }).details.fix).toContain('tidewater task resync t1 --all');
    }
  });

  it('sees a reset MariaDB history by the GTIDs at the saved place, even once it numbered past the checkpoint', () => {
    expect(() => plan(state({ gtid: '0-1-900', gtidAt: '0-1-610' }))).toThrow(/holds other transactions/);
    expect(plan(state({ gtidAt: '0-1-550' }))).toMatchObject({ kind: 'position' });
    // Saved before servers were recorded: its GTIDs are taken from the server, not checked.
    const old = { ...saved, server: '', gtid: '0-1-549' };
    expect(plan(state({ gtidAt: '0-1-550' }), old)).toMatchObject({ kind: 'position', from: { gtid: '0-1-550' } });
  });

  it('says the binlog was purged when the same server no longer has the file', () => {
    expect(() => plan(state({ files: [{ name: 'binlog.000009', size: 4n }] }))).toThrow(
      expect.objectContaining({ code: 'TW_BINLOG_PURGED' }),
    );
  });

  it('refuses another server without GTIDs, or one behind the task, naming both servers', () => {
    const other = state({ server: 'mysql:u', gtid: 'u:1-5', gtidResume: false });
    expect(() => plan(other, { ...saved, server: 'mysql:v', gtid: 'v:1-9' })).toThrow(/gtid_mode is not ON/);
    expect(() => plan(state({ server: 'mariadb:2' }), { ...saved, gtid: '' })).toThrow(
      expect.objectContaining({ code: 'TW_SOURCE_CHANGED' }),
    );
    expect(() => plan(state({ server: 'mariadb:2', gtid: '0-2-500' }))).toThrow(/behind the old source/);
  });
});
