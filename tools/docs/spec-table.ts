/**
 * Writes the key table of docs/task-spec.md from the task-spec schema
 * (libs/config/src/spec-schema.ts), between its spec-table markers.
 *
 *   node --import tsx tools/docs/spec-table.ts          rewrite the table
 *   node --import tsx tools/docs/spec-table.ts --check  exit 1 if it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withSpecTable } from '@tidewater/config';

const path = fileURLToPath(new URL('../../docs/task-spec.md', import.meta.url));
const doc = readFileSync(path, 'utf8');
const next = withSpecTable(doc);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    process.stderr.write('docs/task-spec.md: the key table is out of date; run npm run docs:spec-table\n');
    process.exit(1);
  }
} else if (next !== doc) {
  writeFileSync(path, next);
  process.stdout.write('docs/task-spec.md: key table rewritten\n');
}
