import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRun } from '../local-run.js';

/** The last warn/error lines each service of `local` logged, one string (empty when none). */
export function serviceTrouble(local: LocalRun, perService = 8): string {
  const dir = local.supervisor.logDir;
  const out: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.log'))) {
    const lines = readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .filter((l) => /"level":"(warn|error)"/.test(l));
    for (const l of lines.slice(-perService)) out.push(`${file}: ${l.slice(0, 600)}`);
  }
  return out.join('\n');
}

/**
 * `wait`, failing with what the services complained about: a stall in CI must be diagnosable
 * from the failure message alone, the state dir is gone by then.
 */
export async function withServiceTrouble<T>(local: LocalRun, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (e) {
    const trouble = serviceTrouble(local);
    throw new Error(`${(e as Error).message}${trouble ? `\nservice warnings:\n${trouble}` : ''}`);
  }
}
