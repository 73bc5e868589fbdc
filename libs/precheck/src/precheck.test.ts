import { describe, expect, it } from 'vitest';
import { CheckStatus } from '@tidewater/proto';
import { binlogChecks, failures } from './index.js';

const ok = { logBin: true, format: 'ROW', rowImage: 'FULL', expireSeconds: 7 * 86400, flavor: 'mariadb' as const, version: '10.11', compression: false };

describe('binlogChecks', () => {
  it('passes a ROW/FULL source keeping logs a week', () => {
    expect(failures(binlogChecks(ok))).toEqual([]);
  });
  it('fails each setting the reader cannot work with, with the fix', () => {
    const f = failures(binlogChecks({ ...ok, logBin: false, format: 'MIXED', rowImage: 'MINIMAL', compression: true, expireSeconds: 86400 }));
    expect(f.map((i) => i.name)).toEqual(['binlog.enabled', 'binlog.format', 'binlog.row_image', 'binlog.compression', 'binlog.retention']);
    expect(f.find((i) => i.name === 'binlog.row_image')!.fix).toContain('binlog_row_image = FULL');
  });
  it('warns (does not fail) between 3 and 7 days of retention', () => {
    const r = binlogChecks({ ...ok, expireSeconds: 4 * 86400 }).find((i) => i.name === 'binlog.retention')!;
    expect(r.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
  });
});
