import { describe, expect, it } from 'vitest';
import { ChangeKind } from '@tidewater/proto';
import { logFlags, partitionValue } from './log-values.js';

describe('_log row values', () => {
  it('flags each change kind as DTS does: an UPDATE is a before row and an after row', () => {
    expect(logFlags(ChangeKind.CHANGE_KIND_INSERT)).toEqual({ operation: 'I', before: 'N', after: 'Y' });
    expect(logFlags(ChangeKind.CHANGE_KIND_UPDATE_BEFORE)).toEqual({ operation: 'U', before: 'Y', after: 'N' });
    expect(logFlags(ChangeKind.CHANGE_KIND_UPDATE_AFTER)).toEqual({ operation: 'U', before: 'N', after: 'Y' });
    expect(logFlags(ChangeKind.CHANGE_KIND_DELETE)).toEqual({ operation: 'D', before: 'Y', after: 'N' });
  });

  it('cuts the modifytime partition values out of the UTC event time', () => {
    const iso = '2024-05-17T08:42:13.000Z';
    expect(
      (['modifytime_year', 'modifytime_month', 'modifytime_day', 'modifytime_hour', 'modifytime_minute'] as const).map(
        (c) => partitionValue(c, iso),
      ),
    ).toEqual(['2024', '05', '17', '08', '42']);
  });
});
