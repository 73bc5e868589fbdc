import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** JSON of API answers (bigints as text): what a test searches for secrets that must not be there. */
export const jsonText = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/** Every service log line of a local run whose state dir is `stateDir`, as one text. */
export function logText(stateDir: string): string {
  const dir = join(stateDir, 'logs');
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}
