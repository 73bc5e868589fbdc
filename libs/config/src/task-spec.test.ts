import { describe, expect, it } from 'vitest';
import { parseTaskSpec, redactSpec, DEFAULTS } from './index.js';

const base = `
name: shop-to-warehouse
source: { url: "mysql://app:s%40cret@127.0.0.1:3307" }
objects:
  - database: shop
    tables: [customer, orders]
`;

describe('parseTaskSpec', () => {
  it('fills every default and decodes the URL', () => {
    const spec = parseTaskSpec(base);
    expect(spec.source).toEqual({ host: '127.0.0.1', port: 3307, user: 'app', password: 's@cret' });
    expect(spec.destination).toEqual(DEFAULTS.destination);
    expect(spec.migrationTypes).toEqual(['schema', 'full']);
    expect(spec.full.chunkRows).toBe(DEFAULTS.full.chunkRows);
    expect(spec.incremental.additionalColumnRule).toBe('previous');
  });

  it('names an unknown key and suggests the right one', () => {
    expect(() => parseTaskSpec(base + 'migrationType: [schema]\n')).toThrow(/migrationType: unknown key/);
    try {
      parseTaskSpec(base + 'migrationType: [schema]\n');
    } catch (e) {
      expect((e as { describe(): string }).describe()).toContain('did you mean "migrationTypes"');
    }
  });

  it('refuses bad values with the key in the message', () => {
    expect(() => parseTaskSpec(base + 'full: { chunkRows: 5 }\n')).toThrow(/full.chunkRows: must be an integer from 100/);
    expect(() => parseTaskSpec(base + 'conflictMode: overwrite\n')).toThrow(/conflictMode: must be one of precheck, ignore/);
    expect(() => parseTaskSpec('name: x\nsource: { url: "mysql://a:b@h" }\nobjects: []\n')).toThrow(/objects: must list at least one database/);
    expect(() => parseTaskSpec('name: [x')).toThrow(/not valid YAML/);
  });

  it('never shows the password once redacted, nor in errors', () => {
    const spec = parseTaskSpec(base);
    expect(JSON.stringify(redactSpec(spec))).not.toContain('s@cret');
    try {
      parseTaskSpec(base.replace('objects:', 'bogus: 1\nobjects:'));
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('cret');
    }
  });
});

describe('DTS DbList', () => {
  const head = 'name: t\nsource: { url: "mysql://u:p@h:3306" }\n';
  it('accepts the selection DTS users already have, as object or JSON string', () => {
    const spec = parseTaskSpec(head + `dbList: '{"shop": {"name": "shop", "all": false, "Table": {"customer": {"name": "customer", "all": true}, "orders": {"all": true}}}, "crm": {"name": "crm", "all": true}}'\n`);
    expect(spec.objects).toEqual([{ database: 'shop', tables: ['customer', 'orders'] }, { database: 'crm' }]);
  });
  it('refuses renaming and filters instead of ignoring them', () => {
    expect(() => parseTaskSpec(head + 'dbList: { shop: { name: shop2, all: true } }\n')).toThrow(/renaming to shop2 is not supported yet/);
    expect(() => parseTaskSpec(head + 'dbList: { shop: { all: false, Table: { t: { filter: "id > 1" } } } }\n')).toThrow(/row filters are not supported yet/);
    expect(() => parseTaskSpec(head + 'dbList: { shop: { all: true } }\nobjects: [{ database: x }]\n')).toThrow(/together with objects/);
  });
});
