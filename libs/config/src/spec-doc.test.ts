import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SPEC_TABLE_BEGIN, SPEC_TABLE_END, specKeyTable, withSpecTable } from './spec-doc.js';
import { taskSpecSchema } from './spec-schema.js';

const docPath = new URL('../../../docs/task-spec.md', import.meta.url);

describe('task-spec key table', () => {
  it('docs/task-spec.md holds the table the schema gives (npm run docs:spec-table)', () => {
    const doc = readFileSync(docPath, 'utf8');
    expect(withSpecTable(doc)).toBe(doc);
  });

  it('has a row per documented key, with defaults and ranges drawn from the schema', () => {
    const table = specKeyTable();
    expect(table).toContain('| `full.chunkRows` | integer | `50000` | 100 … 10,000,000 |');
    expect(table).toContain(
      '| `destination` | mapping | `{type: duckdb, path: ./warehouse.duckdb}` | `type`, `path`, `url`, `password` |',
    );
    expect(table).toContain('| `conflictMode` | string | `precheck` | `precheck`, `ignore` |');
    expect(table).toContain('| `objects[].tables[].etl` |');
    for (const key of Object.keys(taskSpecSchema.shape).filter((k) => !['retry', 'throttle'].includes(k)))
      expect(table).toContain(`| \`${key}\` |`);
  });

  it('replaces only the text between the markers', () => {
    const doc = `intro\n${SPEC_TABLE_BEGIN}\nold table\n${SPEC_TABLE_END}\noutro\n`;
    expect(withSpecTable(doc)).toBe(`intro\n${SPEC_TABLE_BEGIN}\n${specKeyTable()}\n${SPEC_TABLE_END}\noutro\n`);
    expect(() => withSpecTable('no markers')).toThrow(/lacks the markers/);
  });
});
