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
    expect(() => parseTaskSpec(base + 'full: { chunkRows: 5 }\n')).toThrow(
      /full.chunkRows: must be an integer from 100/,
    );
    expect(() => parseTaskSpec(base + 'conflictMode: overwrite\n')).toThrow(
      /conflictMode: must be one of precheck, ignore/,
    );
    expect(() => parseTaskSpec('name: x\nsource: { url: "mysql://a:b@h" }\nobjects: []\n')).toThrow(
      /objects: must list at least one database/,
    );
    expect(() => parseTaskSpec('name: [x')).toThrow(/not valid YAML/);
  });

  it('takes DTS retry windows within their ranges, the other-issues one smaller', () => {
    expect(parseTaskSpec(base).retry).toEqual({ connectionMinutes: 720, otherMinutes: 10 });
    expect(parseTaskSpec(`${base}retry: { connectionMinutes: 30, otherMinutes: 5 }\n`).retry).toEqual({
      connectionMinutes: 30,
      otherMinutes: 5,
    });
    expect(() => parseTaskSpec(`${base}retry: { connectionMinutes: 5 }\n`)).toThrow(
      /retry.connectionMinutes: must be an integer from 10 to 1440/,
    );
    expect(() => parseTaskSpec(`${base}retry: { otherMinutes: 0 }\n`)).toThrow(
      /retry.otherMinutes: must be an integer from 1 to 1440/,
    );
    expect(() => parseTaskSpec(`${base}retry: { connectionMinutes: 20, otherMinutes: 20 }\n`)).toThrow(
      /retry.otherMinutes: \(20\) must be smaller than retry.connectionMinutes \(20\)/,
    );
    expect(() => parseTaskSpec(`${base}retry: { conectionMinutes: 20 }\n`)).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({ fix: expect.stringContaining('did you mean "connectionMinutes"') }),
      }),
    );
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
    const spec = parseTaskSpec(
      head +
        `dbList: '{"shop": {"name": "shop", "all": false, "Table": {"customer": {"name": "customer", "all": true}, "orders": {"all": true}}}, "crm": {"name": "crm", "all": true}}'\n`,
    );
    expect(spec.objects).toEqual([
      { database: 'shop', tables: [{ name: 'customer' }, { name: 'orders' }] },
      { database: 'crm' },
    ]);
  });
  it('takes renaming and filters from DbList', () => {
    const spec = parseTaskSpec(
      head + 'dbList: { shop: { name: shop2, all: false, Table: { t: { name: t2, filter: "id > 1" } } } }\n',
    );
    expect(spec.objects).toEqual([
      { database: 'shop', as: 'shop2', tables: [{ name: 't', as: 't2', filter: 'id > 1' }] },
    ]);
    expect(() => parseTaskSpec(head + 'dbList: { shop: { name: "bad name", all: true } }\n')).toThrow(
      /"bad name" is not a valid destination name/,
    );
    expect(() => parseTaskSpec(head + 'dbList: { shop: { all: true } }\nobjects: [{ database: x }]\n')).toThrow(
      /together with objects/,
    );
  });
});

describe('object mapping options', () => {
  const head = 'name: t\nsource: { url: "mysql://u:p@h:3306" }\n';
  it('takes tables as names or as objects with mapping, filter and ETL', () => {
    const spec = parseTaskSpec(
      head +
        `objects:
  - database: shop
    as: dw
    tables:
      - plain
      - name: customer
        as: client
        columns: { id: client_id }
        filter: "status <> 'gone'"
        etl: { drop: [secret], set: { email: "LOWER(email)" }, add: [{ name: total, type: "decimal(12,2)", expr: "price * qty" }], where: "qty > 0" }
capitalization: upper
mapping: { tablePrefix: ods_ }
throttle: { full: { rps: 5000 }, incremental: { mbps: 2 } }
heartbeat: true
`,
    );
    expect(spec.objects[0]).toEqual({
      database: 'shop',
      as: 'dw',
      tables: [
        { name: 'plain' },
        {
          name: 'customer',
          as: 'client',
          columns: { id: 'client_id' },
          filter: "status <> 'gone'",
          etl: {
            drop: ['secret'],
            set: { email: 'LOWER(email)' },
            add: [{ name: 'total', type: 'decimal(12,2)', expr: 'price * qty' }],
            where: 'qty > 0',
          },
        },
      ],
    });
    expect(spec.capitalization).toBe('upper');
    expect(spec.mapping).toEqual({ databasePrefix: '', databaseSuffix: '', tablePrefix: 'ods_', tableSuffix: '' });
    expect(spec.throttle).toEqual({ full: { qps: 0, rps: 5000, mbps: 0 }, incremental: { rps: 0, mbps: 2 } });
    expect(spec.heartbeat).toEqual({ enabled: true, table: 'tidewater.heartbeat', intervalMs: 1000 });
  });

  it('refuses bad names, duplicate targets, negative rates and huge expressions', () => {
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop, tables: [{ name: t, as: "x-y" }] }]\n')).toThrow(
      /"x-y" is not a valid destination name/,
    );
    expect(() =>
      parseTaskSpec(head + 'objects: [{ database: shop, tables: [{ name: t, columns: { a: x, b: X } }] }]\n'),
    ).toThrow(/maps two columns to x/);
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop }]\nthrottle: { full: { rps: -1 } }\n')).toThrow(
      /throttle.full.rps: must be an integer from 0/,
    );
    expect(() =>
      parseTaskSpec(head + `objects: [{ database: shop, tables: [{ name: t, filter: "${'x'.repeat(5000)}" }] }]\n`),
    ).toThrow(/filter: is 5000 characters long/);
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop }, { database: shop }]\n')).toThrow(
      /lists database shop twice/,
    );
    expect(() =>
      parseTaskSpec(head + 'objects: [{ database: shop }]\nfull: { chunkRows: 1000000, batchRows: 100 }\n'),
    ).toThrow(/is 10000 batches per chunk; at most 1000/);
  });

  it('refuses more than 1,000 one-by-one tables with per-table mapping, as DTS does', () => {
    const many = (mapped: boolean) =>
      Array.from({ length: 1001 }, (_, i) => (mapped && i === 7 ? `{ name: t${i}, as: x${i} }` : `t${i}`)).join(', ');
    expect(
      parseTaskSpec(head + `objects: [{ database: shop, tables: [${many(false)}] }]\n`).objects[0]!.tables,
    ).toHaveLength(1001);
    expect(() => parseTaskSpec(head + `objects: [{ database: shop, tables: [${many(true)}] }]\n`)).toThrow(
      /selects 1001 tables one by one with per-table mapping/,
    );
  });
});

describe('source.url credentials', () => {
  it('rejects a bad percent-escape as TW_SPEC_INVALID naming source.url, without quoting the password', () => {
    let err: unknown;
    try {
      parseTaskSpec('name: x\nsource: { url: "mysql://app:pa%zzword@h:3306" }\nobjects: [{ database: d }]\n');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'TW_SPEC_INVALID',
      details: { subject: 'source.url', fix: expect.stringContaining('%25') },
    });
    expect(JSON.stringify({ m: (err as Error).message, d: (err as { details: unknown }).details })).not.toContain(
      'pa%zzword',
    );
  });
});

describe('spec errors a user can act on', () => {
  const head = 'name: t\nsource: { url: "mysql://u:p@h:3306" }\nobjects: [{ database: shop }]\n';
  const errorOf = (text: string): { message: string; details: { fix?: string; subject?: string } } => {
    try {
      parseTaskSpec(text);
    } catch (e) {
      return e as { message: string; details: { fix?: string; subject?: string } };
    }
    throw new Error('the spec was accepted');
  };

  it('points a top-level key that belongs in a section to its place', () => {
    expect(errorOf(head + 'additionalColumnRule: new\n').details.fix).toContain(
      'did you mean "incremental.additionalColumnRule"',
    );
    expect(errorOf(head + 'chunkRows: 1000\n').details.fix).toContain('did you mean "full.chunkRows"');
    expect(errorOf(head + 'partition: [modifytime_year]\n').details.fix).toContain(
      'did you mean "incremental.partition"',
    );
    expect(errorOf(head + 'batchRows: 10\n').details.fix).toContain('"full.batchRows" or "incremental.batchRows"');
  });

  it('reports every problem of a spec at once', () => {
    const e = errorOf(
      'name: "a.b"\nsource: { url: "mysql://u:p@h:3306", colour: red }\nobjects: [{ database: shop, tables: [] }, { databse: x }]\nchunkRows: 5\nconflictMode: overwrite\nfull: { chunkRows: 5 }\n',
    );
    for (const key of [
      'name',
      'source.colour',
      'objects[0].tables',
      'objects[1].databse',
      'chunkRows',
      'conflictMode',
      'full.chunkRows',
    ])
      expect(e.message).toContain(`${key}: `);
    expect(e.message).toContain('7 problems');
    expect(e.message).toContain('did you mean "full.chunkRows"');
  });

  it('hints at percent-encoding when a raw password breaks the URL, never quoting it', () => {
    for (const url of [
      'mysql://app:p@ss:w/rd%@db.example:3306',
      'mysql://app:12/rd@db.example:3306',
      'mysql://app:pa%zz@db.example:3306',
    ]) {
      const e = errorOf(`name: t\nsource: { url: "${url}" }\nobjects: [{ database: shop }]\n`);
      expect(e.details.subject).toBe('source.url');
      expect(e.details.fix).toContain('%40');
      expect(e.details.fix).toContain('source.password');
      expect(JSON.stringify({ m: e.message, d: e.details })).not.toMatch(/p@ss|w\/rd|12\/rd|pa%zz/);
    }
  });
});

describe('objects exclude', () => {
  const head = 'name: t\nsource: { url: "mysql://u:p@h:3306" }\n';
  it('takes a whole database less some tables', () => {
    expect(parseTaskSpec(head + 'objects: [{ database: shop, exclude: [audit_note] }]\n').objects).toEqual([
      { database: 'shop', exclude: ['audit_note'] },
    ]);
  });
  it('refuses exclude with tables, an empty list and repeats', () => {
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop, tables: [a], exclude: [b] }]\n')).toThrow(
      /objects\[0\].exclude: is given together with tables/,
    );
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop, exclude: [] }]\n')).toThrow(
      /objects\[0\].exclude: must be a non-empty list/,
    );
    expect(() => parseTaskSpec(head + 'objects: [{ database: shop, exclude: [a, a] }]\n')).toThrow(/lists a twice/);
  });
});
