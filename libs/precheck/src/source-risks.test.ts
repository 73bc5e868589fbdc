import { describe, expect, it } from 'vitest';
import { CheckStatus } from '@tidewater/proto';
import { foreignKeyItem, triggerItem, triggerTargets, type ForeignKeyRow, type TriggerRow } from './source-risks.js';

const fk = (over: Partial<ForeignKeyRow>): ForeignKeyRow => ({
  database: 'shop',
  table: 'line',
  name: 'line_order',
  parentDatabase: 'shop',
  parentTable: 'orders',
  updateRule: 'RESTRICT',
  deleteRule: 'RESTRICT',
  ...over,
});
const trg = (statement: string, over: Partial<TriggerRow> = {}): TriggerRow => ({
  database: 'shop',
  name: 'audit',
  table: 'orders',
  timing: 'AFTER',
  event: 'INSERT',
  statement,
  ...over,
});

describe('foreignKeyItem', () => {
  const selected = new Set(['shop.line', 'shop.orders']);
  it('passes keys that only restrict, and acting keys on tables the task does not select', () => {
    const item = foreignKeyItem(
      [fk({ updateRule: 'NO ACTION' }), fk({ table: 'other', deleteRule: 'CASCADE' })],
      selected,
    );
    expect(item.status).toBe(CheckStatus.CHECK_STATUS_PASSED);
  });
  it('warns about CASCADE, SET NULL and SET DEFAULT on a selected child, naming key, tables and the fix', () => {
    const item = foreignKeyItem(
      [
        fk({ deleteRule: 'CASCADE' }),
        fk({ name: 'line_sku', parentTable: 'sku', updateRule: 'SET NULL', deleteRule: 'SET DEFAULT' }),
      ],
      selected,
    );
    expect(item.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
    expect(item.name).toBe('source.foreign_keys');
    expect(item.message).toContain('shop.line (line_order → shop.orders ON DELETE CASCADE)');
    expect(item.message).toContain('line_sku → shop.sku ON DELETE SET DEFAULT ON UPDATE SET NULL');
    expect(item.message).toMatch(/_merged drifts/);
    expect(item.fix).toMatch(/exclude the child table.*accept the drift/);
  });
});

describe('triggerTargets', () => {
  it('finds the tables a body writes, qualified or not, quoted or not', () => {
    const t = trg(
      'BEGIN INSERT INTO audit_log (id) VALUES (NEW.id); UPDATE `stats`.`per_day` SET n = n + 1; DELETE IGNORE FROM `shop` . `queue` WHERE id = NEW.id; REPLACE INTO x VALUES (1); INSERT IGNORE hist VALUES (1); END',
    );
    expect(triggerTargets(t).sort()).toEqual(['shop.audit_log', 'shop.hist', 'shop.queue', 'shop.x', 'stats.per_day']);
  });
  it('ignores words in strings and comments, and reads', () => {
    const t = trg("BEGIN SET @m = 'INSERT INTO fake'; -- UPDATE nothing\n SELECT id INTO @v FROM t2; END");
    expect(triggerTargets(t)).toEqual([]);
  });
});

describe('triggerItem', () => {
  it('warns about a trigger writing a selected table, naming it and what it fires on', () => {
    const selected = new Set(['shop.orders', 'shop.audit_log']);
    const item = triggerItem(
      [trg('INSERT INTO audit_log VALUES (NEW.id)'), trg('INSERT INTO elsewhere VALUES (1)', { name: 'n' })],
      selected,
    );
    expect(item.status).toBe(CheckStatus.CHECK_STATUS_WARNING);
    expect(item.message).toContain('shop.audit (AFTER INSERT on shop.orders) writes shop.audit_log');
    expect(item.message).not.toContain('shop.n ');
    expect(item.fix).toMatch(/applied twice/);
  });
  it('passes when no trigger writes a selected table', () => {
    expect(triggerItem([trg('INSERT INTO elsewhere VALUES (1)')], new Set(['shop.orders'])).status).toBe(
      CheckStatus.CHECK_STATUS_PASSED,
    );
  });
});
