import { REPORTED_KINDS, type FaultRecord } from './faults.js';
import type { TableVerdict } from './verify.js';

export interface SoakFigures {
  readonly machine: string;
  readonly minutes: number;
  readonly seed: number;
  /** Writer transactions a second at most; undefined: unpaced. */
  readonly rate: number | undefined;
  readonly seedRows: number;
  readonly faults: FaultRecord[];
  readonly transactions: number;
  readonly statements: number;
  readonly writerErrorsDown: number;
  readonly writerErrorsOther: number;
  readonly writerErrorSample: string;
  readonly addColumnAt: number | undefined;
  readonly pauses: string[];
  readonly catchUpSeconds: number;
  readonly verdicts: TableVerdict[];
}

const n = (x: number) => x.toLocaleString('en-US');

/** The bench/results.md section of one soak: every figure measured in the run. */
export function soakSection(f: SoakFigures, when: Date): string {
  const byKind = REPORTED_KINDS.map((k) => {
    const all = f.faults.filter((x) => x.kind === k);
    const skipped = all.filter((x) => x.note.includes('skipped')).length;
    return `${k} ${all.length}${skipped ? ` (${skipped} skipped: not running)` : ''}`;
  }).join(', ');
  const sum = (g: (v: TableVerdict) => number) => f.verdicts.reduce((s, v) => s + g(v), 0);
  const rows = f.verdicts
    .map(
      (v) =>
        `| inc.${v.table} | ${n(v.sourceRows)} | ${n(v.logRows)} | ${v.lost.length} | ${v.extra.length} | ${v.changed.length} | ${v.duplicates} |`,
    )
    .join('\n');
  const findings = f.verdicts.flatMap((v) => [
    ...v.lost.slice(0, 5).map((k) => `- inc.${v.table} lost key ${k}`),
    ...v.extra.slice(0, 5).map((k) => `- inc.${v.table} extra key ${k}`),
    ...v.changed.slice(0, 5).map((c) => `- inc.${v.table} changed ${c}`),
    ...v.duplicateSamples.map((d) => `- inc.${v.table}_log duplicate ${d}`),
  ]);
  const clean = sum((v) => v.lost.length + v.extra.length + v.changed.length + v.duplicates) === 0;
  return (
    `\n## Chaos soak — ${when.toISOString().slice(0, 16)}Z\n\nMachine: ${f.machine}\n\n` +
    `\`node --import tsx tools/chaos/soak.ts ${f.minutes} ${f.seed}${f.rate ? ` ${f.rate}` : ''}\`: a schema+full+incremental task on \`inc\` ` +
    `(DuckDB; full copy of ${n(f.seedRows)} rows first) with RandomWriter (PK-changing updates, 1–4 statement transactions) ` +
    `writing throughout${f.rate ? ` (at most ${f.rate} transactions/s)` : ''}, one \`ALTER TABLE inc.acct ADD COLUMN tag\` mid-way, and a seeded fault every 5–15 s. ` +
    `Once, at a seeded time in the middle of the run, a failover: the MariaDB GTID replica (started with the primary, ` +
    `replaying its whole binlog) catches up with the writer held, the primary shuts down for good, the task is paused, ` +
    `pointed at the promoted replica with UpdateTask and resumed (by GTID, epoch 1), and the writer goes on there; ` +
    `MariaDB restarts after it restart the replica, and the comparison is with the replica.\n\n` +
    '| measure | figure |\n|---|---|\n' +
    `| duration of load and faults | ${f.minutes} min |\n` +
    `| faults injected (${f.faults.length}) | ${byKind} |\n` +
    `| transactions / statements committed by the writer | ${n(f.transactions)} / ${n(f.statements)} |\n` +
    `| writer errors while the source was down (retried) | ${n(f.writerErrorsDown)} |\n` +
    `| writer errors otherwise | ${n(f.writerErrorsOther)}${f.writerErrorSample ? ` (e.g. ${f.writerErrorSample})` : ''} |\n` +
    `| ADD COLUMN | ${f.addColumnAt === undefined ? 'not run' : `at t=${f.addColumnAt.toFixed(0)} s, followed by the task`} |\n` +
    `| task pauses/failures seen (resumed) | ${f.pauses.length ? f.pauses.join('; ') : 'none'} |\n` +
    `| catch-up after the writer stopped | ${f.catchUpSeconds.toFixed(1)} s |\n` +
    `| rows differing, \`_merged\` vs source (lost / extra / changed) | ${sum((v) => v.lost.length)} / ${sum((v) => v.extra.length)} / ${sum((v) => v.changed.length)} |\n` +
    `| \`_log\` duplicates of (record_id, before_flag, after_flag) | ${sum((v) => v.duplicates)} |\n` +
    `| epochs among \`_log\` record ids (a failover adds one) | ${f.verdicts.map((v) => `${v.table} ${v.epochs}`).join(', ')} |\n\n` +
    '| table | source rows | `_log` rows | lost | extra | changed | duplicates |\n|---|---|---|---|---|---|---|\n' +
    rows +
    '\n\n' +
    `Fault sequence: ${f.faults.map((x) => `${x.at.toFixed(0)}s ${x.kind}`).join(', ')}.\n` +
    (clean ? '' : `\nFindings:\n${findings.join('\n')}\n`)
  );
}
