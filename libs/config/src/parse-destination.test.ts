import { describe, expect, it } from 'vitest';
import {
  destinationUrl,
  newSecretKey,
  openSpec,
  parseTaskSpec,
  redactSpec,
  sealSpec,
  secretKeyFromEnv,
  validateTaskSpec,
} from './index.js';

const pgSpec = (destination: string) =>
  parseTaskSpec(
    `name: t\nsource: { url: "mysql://u:p@h:3306" }\ndestination: ${destination}\nobjects: [{ database: d }]\n`,
  );

describe('destination: postgres', () => {
  it('keeps the URL without its password, which is sealed, redacted and joined back for the driver', () => {
    const spec = pgSpec('{ type: postgres, url: "postgres://wh:s%40cret@db.example:5433/warehouse?sslmode=require" }');
    expect(spec.destination).toMatchObject({
      type: 'postgres',
      url: 'postgres://wh@db.example:5433/warehouse?sslmode=require',
      password: 's@cret',
    });
    expect(JSON.stringify(redactSpec(spec))).not.toContain('s@cret');
    const key = secretKeyFromEnv({ TIDEWATER_SECRET_KEY: newSecretKey() });
    const sealed = sealSpec(spec, key);
    expect(JSON.stringify(sealed)).not.toContain('s@cret');
    const opened = openSpec(sealed, key);
    expect(destinationUrl(opened.destination)).toBe('postgres://wh:s%40cret@db.example:5433/warehouse?sslmode=require');
    // A stored (parsed) spec validates again to itself.
    expect(validateTaskSpec(JSON.parse(JSON.stringify(spec))).destination).toEqual(spec.destination);
  });

  it('refuses a postgres destination without a usable URL, never quoting it', () => {
    expect(() => pgSpec('{ type: postgres }')).toThrow(/destination.url: is required for type: postgres/);
    expect(() => pgSpec('{ type: postgres, url: "mysql://u:topsecret@h/db" }')).toThrow(/scheme mysql:/);
    expect(() => pgSpec('{ type: postgres, url: "postgres://u:topsecret@h:5432" }')).toThrow(/names no database/);
    try {
      pgSpec('{ type: postgres, url: "postgres://u:topsecret@h:5432" }');
    } catch (e) {
      expect(JSON.stringify(e) + String(e)).not.toContain('topsecret');
    }
    expect(() => pgSpec('{ type: duckdb, url: "postgres://h/db" }')).toThrow(/destination.url: is for type: postgres/);
  });

  it('leaves a DuckDB destination as it was', () => {
    expect(pgSpec('{ path: ./w.duckdb }').destination).toEqual({ type: 'duckdb', path: './w.duckdb' });
  });
});
