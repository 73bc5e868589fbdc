import { describe, expect, it } from 'vitest';
import { CheckStatus } from '@tidewater/proto';
import { binlogChecks, failures } from './index.js';
import { TidewaterError } from '@tidewater/errors';
import { heartbeatPrivilegeCheck } from './privileges.js';
import { busChecks } from './bus-checks.js';

const ok = {
  logBin: true,
  format: 'ROW',
  rowImage: 'FULL',
  expireSeconds: 7 * 86400,
  flavor: 'mariadb' as const,
  version: '10.11',
  compression: false,
  partialJson: false,
};

describe('binlogChecks', () => {
  it('passes a ROW/FULL source keeping logs a week', () => {
    expect(failures(binlogChecks(ok))).toEqual([]);
  });
  it('fails each setting the reader cannot work with, with the fix', () => {
    const f = failures(
      binlogChecks({
        ...ok,
        logBin: false,
        format: 'MIXED',
        rowImage: 'MINIMAL',
        compression: true,
        partialJson: true,
        expireSeconds: 86400,
      }),
    );
    expect(f.map((i) => i.name)).toEqual([
      'binlog.enabled',
      'binlog.format',
      'binlog.row_image',
      'binlog.compression',
      'binlog.partial_json',
      'binlog.retention',
    ]);
    expect(f.find((i) => i.name === 'binlog.partial_json')!.fix).toContain("binlog_row_value_options = ''");
    expect(f.find((i) => i.name === 'binlog.row_image')!.fix).toContain('binlog_row_image = FULL');
  });
  it('warns (does not fail) between 3 and 7 days of retention', () => {
    const r = binlogChecks({ ...ok, expireSeconds: 4 * 86400 }).find((i) => i.name === 'binlog.retention')!;
    expect(r.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
  });
});

describe('heartbeatPrivilegeCheck', () => {
  it('needs CREATE, INSERT and UPDATE on the heartbeat database or globally', () => {
    expect(
      heartbeatPrivilegeCheck(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost`'], 'tidewater.heartbeat').status,
    ).toBe(CheckStatus.CHECK_STATUS_PASSED);
    expect(
      heartbeatPrivilegeCheck(
        ['GRANT SELECT ON *.* TO `tw`@`%`', 'GRANT CREATE, INSERT, UPDATE ON `tidewater`.* TO `tw`@`%`'],
        'tidewater.heartbeat',
      ).status,
    ).toBe(CheckStatus.CHECK_STATUS_PASSED);
    const missing = heartbeatPrivilegeCheck(
      ['GRANT SELECT, INSERT ON *.* TO `tw`@`%`', 'GRANT UPDATE ON `other`.* TO `tw`@`%`'],
      'tidewater.heartbeat',
    );
    expect(missing).toMatchObject({
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: 'heartbeat: true needs CREATE, UPDATE on tidewater.* to write tidewater.heartbeat',
    });
    expect(missing.fix).toContain('GRANT CREATE, UPDATE ON `tidewater`.*');
  });
});

describe('busChecks', () => {
  it('passes a bus with JetStream that accepts the largest batch', async () => {
    const items = await busChecks(async () => ({
      version: '2.9.10',
      maxPayload: 8 * 1024 * 1024,
      largestBatch: 8 * 1024 * 1024,
    }));
    expect(items.map((i) => [i.name, i.status])).toEqual([
      ['bus.connectivity', CheckStatus.CHECK_STATUS_PASSED],
      ['bus.max_payload', CheckStatus.CHECK_STATUS_PASSED],
      ['bus.large_columns', CheckStatus.CHECK_STATUS_PASSED],
    ]);
  });
  it('warns about columns that can hold a value larger than a bus message, naming them', async () => {
    const col = (name: string, dataType: string) => ({
      name,
      dataType,
      columnType: dataType,
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
    const schema = {
      source: { database: 'shop', table: 'doc' },
      columns: [col('id', 'bigint'), col('body', 'longtext'), col('thumb', 'mediumblob'), col('note', 'blob')],
      keyColumns: ['id'],
      version: 1,
    };
    const [, , item] = await busChecks(
      async () => ({ version: '2.9.10', maxPayload: 8 * 1024 * 1024, largestBatch: 8 * 1024 * 1024 }),
      [schema],
    );
    expect(item).toMatchObject({
      name: 'bus.large_columns',
      status: CheckStatus.CHECK_STATUS_WARNING,
      message: expect.stringContaining('shop.doc.body (longtext), shop.doc.thumb (mediumblob)'),
      fix: expect.stringContaining('ETL'),
    });
    expect(item!.message).not.toContain('note');
  });
  it('fails an unreachable bus with the cause and the fix', async () => {
    const items = await busChecks(() =>
      Promise.reject(new TidewaterError('TW_BUS_UNAVAILABLE', 'NATS JetStream did not answer: timeout')),
    );
    expect(items).toEqual([
      {
        name: 'bus.connectivity',
        status: CheckStatus.CHECK_STATUS_FAILED,
        message: 'NATS JetStream did not answer: timeout',
        fix: expect.stringContaining('nats-server with JetStream'),
      },
    ]);
  });
});
