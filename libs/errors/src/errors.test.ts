import { describe, expect, it } from 'vitest';
import { TidewaterError, isRetriable, redact, ErrorCodes } from './index.js';

describe('TidewaterError', () => {
  it('classifies retriable by code', () => {
    expect(isRetriable(new TidewaterError('TW_SOURCE_UNREACHABLE', 'down'))).toBe(true);
    expect(isRetriable(new TidewaterError('TW_SOURCE_AUTH', 'denied'))).toBe(false);
  });

  it('hides secret-looking detail keys in JSON', () => {
    const e = new TidewaterError('TW_SPEC_INVALID', 'bad', { subject: 'source', password: 'hunter2' });
    expect(JSON.stringify(e)).not.toContain('hunter2');
    expect(e.toJSON()).toMatchObject({ code: 'TW_SPEC_INVALID', details: { subject: 'source', password: '***' } });
  });

  it('describes the fix from the code when none is given', () => {
    const e = new TidewaterError('TW_NO_ROW_KEY', 'table shop.t has no key');
    expect(e.describe()).toContain(ErrorCodes.TW_NO_ROW_KEY.description);
  });
});

describe('redact', () => {
  it('removes secrets and URL credentials', () => {
    expect(redact("Access denied for 'u' using password s3cr3t", ['s3cr3t'])).toBe(
      "Access denied for 'u' using password ***",
    );
    expect(redact('mysql://root:pw@127.0.0.1:3306/x failed', [])).toBe('mysql://root:***@127.0.0.1:3306/x failed');
  });
});
