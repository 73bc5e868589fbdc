import { describe, expect, it } from 'vitest';
import { parseTaskSpec } from '@tidewater/config';
import { needsPause, specChanges } from './spec-update.js';

const spec = (extra: Record<string, unknown> = {}) =>
  parseTaskSpec(
    JSON.stringify({
      name: 't',
      source: { host: 'db', port: 3306, user: 'u', password: 'old' },
      objects: [{ database: 's' }],
      ...extra,
    }),
  );

describe('specChanges', () => {
  it('names the changed keys of source, throttle, retry and heartbeat, never their values', () => {
    expect(specChanges('t', spec(), spec())).toEqual([]);
    expect(specChanges('t', spec(), spec({ source: { url: 'mysql://u:new@db:3306' } }))).toEqual(['source.password']);
    expect(
      specChanges(
        't',
        spec(),
        spec({
          heartbeat: true,
          retry: { connectionMinutes: 60, otherMinutes: 5 },
          throttle: { incremental: { rps: 10 } },
        }),
      ),
    ).toEqual(['retry.connectionMinutes', 'retry.otherMinutes', 'throttle.incremental.rps', 'heartbeat.enabled']);
  });

  it('refuses any other key, naming each with its reason', () => {
    const change = () =>
      specChanges(
        't',
        spec(),
        spec({
          source: { host: 'db', user: 'u', password: 'new' },
          full: { chunkRows: 1000 },
          migrationTypes: ['schema', 'full', 'incremental'],
        }),
      );
    expect(change).toThrow(
      expect.objectContaining({
        code: 'TW_SPEC_INVALID',
        message: expect.stringContaining('migrationTypes (the stages run so far were chosen by it)'),
      }),
    );
    expect(change).toThrow(/full\.chunkRows \(the chunk plan/);
    expect(change).not.toThrow(/new|old/);
  });

  it('refuses a change of sink.partitions, the default included', () => {
    const change = () => specChanges('t', spec(), spec({ sink: { partitions: 16 } }));
    expect(change).toThrow(/sink\.partitions \(each key's earlier changes and each chunk went to the partition/);
    expect(specChanges('t', spec(), spec({ sink: { partitions: 8 } }))).toEqual([]);
  });

  it('lets alerts change on a running task (the only key that needs no pause), naming keys only', () => {
    const alerts = { webhooks: [{ url: 'https://hooks.example/T0k3n' }], rules: { failed: true } };
    const on = specChanges('t', spec(), spec({ alerts }));
    expect(on).toEqual(['alerts']);
    expect(needsPause(on)).toBe(false);
    const more = specChanges('t', spec({ alerts }), spec({ alerts: { ...alerts, interval: 5 } }));
    expect(more).toEqual(['alerts.interval']);
    expect(needsPause([...more, 'throttle.incremental.rps'])).toBe(true);
    expect(JSON.stringify(on)).not.toContain('T0k3n');
  });
});
