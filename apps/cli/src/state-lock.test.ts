import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockStateDir } from './state-lock.js';

describe('lockStateDir', () => {
  it('refuses a second holder, even in the same process, and is free again once released', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-lock-'));
    try {
      const first = lockStateDir(dir);
      expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
      expect(() => lockStateDir(dir)).toThrow(expect.objectContaining({ code: 'TW_STATE_DIR_IN_USE' }));
      first.release();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
      lockStateDir(dir).release();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
