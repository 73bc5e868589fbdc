import { CheckStatus, Stage } from '@tidewater/proto';

/** The enums a task view or precheck answer holds, by field name, with the prefix their names drop. */
const ENUMS: Record<string, [Record<number, string>, string]> = {
  stage: [Stage, 'STAGE_'],
  status: [CheckStatus, 'CHECK_STATUS_'],
};

/**
 * `--json` output for scripts: 64-bit counters as strings, enums by name as the human output
 * shows them (`"stage": "INCREMENTAL"`, `"status": "WARNING"`), never their wire numbers.
 */
export function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(
    v,
    (k, x: unknown) => {
      if (typeof x === 'bigint') return x.toString();
      const e = ENUMS[k];
      if (e && typeof x === 'number' && e[0][x] !== undefined) return e[0][x]!.replace(e[1], '');
      return x;
    },
    indent,
  );
}
