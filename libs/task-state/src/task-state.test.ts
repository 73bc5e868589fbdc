import { describe, expect, it } from 'vitest';
import { TaskState } from '@tidewater/proto';
import { newSecretKey, parseTaskSpec, sealSpec, secretKeyFromEnv } from '@tidewater/config';
import { FailingSince, specOf } from './index.js';

describe('specOf', () => {
  const spec = parseTaskSpec('name: t\nsource: { url: "mysql://u:hunter2@h:3306" }\nobjects: [{ database: d }]\n');
  const key = secretKeyFromEnv({ TIDEWATER_SECRET_KEY: newSecretKey() });

  it('opens a sealed spec with the key its caller passes, asking for it on every call', () => {
    const state = TaskState.fromPartial({ specJson: JSON.stringify(sealSpec(spec, key)) });
    let asked = 0;
    const keyOf = () => (asked++, key);
    expect(specOf(state, keyOf).source.password).toBe('hunter2');
    expect(specOf(state, keyOf).source.password).toBe('hunter2');
    expect(asked).toBe(2);
  });

  it('does not ask for a key when the spec holds no sealed secret', () => {
    const state = TaskState.fromPartial({
      specJson: JSON.stringify({ ...spec, source: { ...spec.source, password: '' } }),
    });
    expect(
      specOf(state, () => {
        throw new Error('asked for a key');
      }).source.password,
    ).toBe('');
  });
});

describe('FailingSince', () => {
  it('keeps the first failure time while the window class stays, restarts it when the class changes', () => {
    const f = new FailingSince();
    expect(f.failed('TW_SOURCE_UNREACHABLE', 1_000)).toBe(1_000);
    expect(f.failed('TW_BUS_UNAVAILABLE', 2_000)).toBe(1_000);
    // Hours into a connection outage, a query error gets its own (shorter) window from now.
    expect(f.failed('TW_SOURCE_QUERY', 9_000_000)).toBe(9_000_000);
    expect(f.failed('TW_UNCLASSIFIED', 9_001_000)).toBe(9_000_000);
    expect(f.recovered()).toBe(true);
    expect(f.recovered()).toBe(false);
    expect(f.failed('TW_UNCLASSIFIED', 9_500_000)).toBe(9_500_000);
  });
});
