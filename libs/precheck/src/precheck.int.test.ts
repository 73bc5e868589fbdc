import { describe, expect, it } from 'vitest';
import { startMariaDb } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { requireIncrementalReady } from './index.js';

async function attempt(opts: Parameters<typeof startMariaDb>[0]): Promise<unknown> {
  await using db = await startMariaDb(opts);
  const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
  try {
    await requireIncrementalReady(source, `${db.host}:${db.port}`);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await source.close();
  }
}

describe('incremental precheck against real servers', () => {
  it('accepts the kit default (ROW, FULL, 7 days)', async () => {
    expect(await attempt({})).toBeUndefined();
  });
  it('refuses a server without the binary log', async () => {
    const e = (await attempt({ binlog: false })) as { code: string; describe(): string };
    expect(e.code).toBe('TW_BINLOG_CONFIG');
    expect(e.describe()).toMatch(/log_bin is OFF[\s\S]*enable the binary log/);
  });
  it('refuses binlog_format=STATEMENT', async () => {
    const e = (await attempt({ extraArgs: ['--binlog-format=STATEMENT'] })) as { describe(): string };
    expect(e.describe()).toMatch(/binlog_format is STATEMENT[\s\S]*binlog_format = ROW/);
  });
  it('refuses binlog_row_image=MINIMAL', async () => {
    const e = (await attempt({ extraArgs: ['--binlog-row-image=MINIMAL'] })) as { describe(): string };
    expect(e.describe()).toMatch(/binlog_row_image is MINIMAL[\s\S]*binlog_row_image = FULL/);
  });
});
