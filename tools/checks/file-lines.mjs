// Fails when a hand-written source file grows past MAX_LINES: a file that long holds more
// than one job, and should be split along them (docs/architecture.md names the rooms).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_LINES = 300;
const root = fileURLToPath(new URL('../..', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'gen']);

function* sources(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* sources(path);
    else if (/\.(ts|mjs|js)$/.test(e.name)) yield path;
  }
}

const long = [];
for (const top of ['apps', 'libs', 'tools']) {
  for (const file of sources(join(root, top))) {
    const lines = readFileSync(file, 'utf8').split('\n').length - 1;
    if (lines > MAX_LINES) long.push(`${relative(root, file)}: ${lines} lines`);
  }
}
if (long.length) {
  console.error(`files over ${MAX_LINES} lines (split them by what they do):\n  ${long.join('\n  ')}`);
  process.exit(1);
}
