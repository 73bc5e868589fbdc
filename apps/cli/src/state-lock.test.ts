import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockStateDir } from './state-lock.js';

describe('lockStateDir', () => {
  it('is re-entrant within one process and removes the lock file with the last release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-lock-'));
    try {
      const outer = lockStateDir(dir);
      const inner = lockStateDir(dir);
      expect(JSON.parse(readFileSync(join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
      inner.release();
      expect(existsSync(join(dir, 'lock'))).toBe(true);
      outer.release();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
      // Released for good: the next run takes it afresh.
      lockStateDir(dir).release();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
