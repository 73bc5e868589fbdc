import { describe, expect, it } from 'vitest';
import { requireBinary, findBinary } from './index.js';

describe('requireBinary', () => {
  it('names the package to install and the env var when a server is missing', () => {
    expect(findBinary('mariadbd', '/nonexistent', [])).toBeUndefined();
    try {
      requireBinary('nats-server', '/nonexistent', []);
      expect.unreachable();
    } catch (e) {
      const d = (e as { describe(): string }).describe();
      expect(d).toContain('apt-get install -y nats-server');
      expect(d).toContain('TIDEWATER_TEST_NATS_URL');
    }
  });
});
