import { Stage, type AlertView, type Retrying, type TaskView, type Throttle } from '@tidewater/proto';
import { ErrorCodes } from '@tidewater/errors';
import { resyncLine } from './resync-line.js';

/** `throttle: full ≤ 5,000 rows/s, ≤ 2 queries/s; incremental ≤ 1 MB/s`, or `no throttle`. */
export function throttleLine(t: Throttle | undefined): string {
  const part = (name: string, limits: [number, string][]) => {
    const set = limits.filter(([v]) => v > 0).map(([v, unit]) => `≤ ${fmt.format(v)} ${unit}`);
    return set.length ? `${name} ${set.join(', ')}` : '';
  };
  const parts = t
    ? [
        part('full', [
          [t.fullRps, 'rows/s'],
          [t.fullMbps, 'MB/s'],
          [t.fullQps, 'queries/s'],
        ]),
        part('incremental', [
          [t.incrementalRps, 'rows/s'],
          [t.incrementalMbps, 'MB/s'],
        ]),
      ].filter(Boolean)
    : [];
  return parts.length ? `throttle: ${parts.join('; ')}` : 'no throttle';
}

/** `retrying (sink/partition-1): TW_DEST_WRITE … — gives up at 12:40:00 UTC (in 9 min)` */
export function retryingLine(r: Retrying, now = Date.now()): string {
  const deadline = new Date(Number(r.deadlineMs));
  const left = Math.max(0, Math.ceil((Number(r.deadlineMs) - now) / 60_000));
  return `retrying (${r.reporter}): ${r.code} ${r.message} — gives up at ${deadline.toISOString().slice(11, 19)} UTC (in ${left} min)`;
}

/** `blocked since 12:31:05 UTC (2 min 10 s): <cause>` */
export function blockedLine(task: Pick<TaskView, 'blockedSinceMs' | 'blockedCause'>, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Number(task.blockedSinceMs)) / 1000));
  const age = s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
  return `blocked since ${new Date(Number(task.blockedSinceMs)).toISOString().slice(11, 19)} UTC (${age}): ${task.blockedCause}`;
}

/** Why a task paused or failed: its code, message and the code's fix. */
export function errorLines(task: Pick<TaskView, 'errorCode' | 'errorMessage'>): string[] {
  const info = (ErrorCodes as Record<string, { description: string } | undefined>)[task.errorCode];
  return [`${task.errorCode || 'error'}: ${task.errorMessage}`, ...(info ? [`fix: ${info.description}`] : [])];
}

const fmt = new Intl.NumberFormat('en-US');

/** `ALERT lag (warning) firing since 12:31:05 UTC (4 min): replication lag 42 s is above 30 s` */
export function alertLine(a: AlertView, now = Date.now()): string {
  const mins = Math.max(0, Math.round((now - Number(a.sinceMs)) / 60_000));
  return `ALERT ${a.rule} (${a.severity}) firing since ${new Date(Number(a.sinceMs)).toISOString().slice(11, 19)} UTC (${mins} min): ${a.summary}`;
}

/** `  sink partition 3  host-a-1f2e3d (epoch 57)  1,234 rows/s`, one per partition; `no owner` while its lease is free. */
export function sinkPartitionLines(task: Pick<TaskView, 'sinkPartitions'>): string[] {
  return task.sinkPartitions.map((p) => {
    const who = p.owner ? `${p.owner} (epoch ${p.epoch})` : 'no owner (lease free or expired)';
    const rate = p.rows > 0n ? `  ${fmt.format(Math.round(p.rowsPerSecond))} rows/s, ${fmt.format(p.rows)} rows` : '';
    return `  sink partition ${String(p.partition).padEnd(3)} ${who}${rate}`;
  });
}

const BAR_WIDTH = 20;

/** `[██████░░░░░░░░░░░░░░]` for a percentage. */
export function bar(pct: number): string {
  const full = Math.round((Math.max(0, Math.min(100, pct)) / 100) * BAR_WIDTH);
  return `[${'█'.repeat(full)}${'░'.repeat(BAR_WIDTH - full)}]`;
}

interface Sample {
  readonly at: number;
  readonly rows: bigint;
}

/** Renders per-table progress: rows done / estimated, rate, ETA. */
export class ProgressView {
  private readonly samples = new Map<string, Sample[]>();
  private lastLines = 0;
  private lastPrint = 0;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  render(task: TaskView, force = false): void {
    const now = Date.now();
    const incremental = task.stage === Stage.STAGE_INCREMENTAL;
    let head = `task ${task.name}: ${Stage[task.stage].replace('STAGE_', '').toLowerCase()}`;
    if (incremental || task.changesApplied > 0n) {
      const rate = this.rate('changes', now, task.changesApplied);
      head += `  lag ${task.lagSeconds.toFixed(1)} s  at ${task.position}  changes applied ${fmt.format(task.changesApplied)}${rate === undefined ? '' : ` (${fmt.format(Math.round(rate))}/s)`}`;
    }
    const lines = [head];
    if (task.errorCode || task.errorMessage) lines.push(...errorLines(task).map((l) => `  ${l}`));
    if (task.blockedSinceMs > 0n) lines.push(`  ${blockedLine(task, now)}`);
    for (const r of task.retrying) lines.push(`  ${retryingLine(r, now)}`);
    for (const a of task.alerts ?? []) lines.push(`  ${alertLine(a, now)}`);
    const throttled = throttleLine(task.throttle);
    if (throttled !== 'no throttle') lines.push(`  ${throttled}`);
    for (const t of task.tables) {
      const key = `${t.source?.database}.${t.source?.table}`;
      const rate = this.rate(key, now, t.rowsDone);
      const est = t.estimatedRows > t.rowsDone ? t.estimatedRows : t.rowsDone;
      const pct = est === 0n ? 0 : Number((t.rowsDone * 100n) / est);
      const done = t.chunksTotal > 0 && t.chunksDone >= t.chunksTotal;
      const eta = done ? 'done' : rate ? `ETA ${Math.ceil(Number(est - t.rowsDone) / rate)} s` : '';
      const shown = done ? 100 : Math.min(pct, 99);
      const speed = rate === undefined || done ? '' : `${fmt.format(Math.round(rate))} rows/s`;
      lines.push(
        `  ${key.padEnd(28)} ${bar(shown)} ${fmt.format(t.rowsDone).padStart(12)} / ~${fmt.format(est).padEnd(12)} ${String(shown).padStart(3)}%  ${speed.padStart(16)}  ${eta}`,
      );
      if (t.resync) lines.push(`    ${resyncLine(t.resync)}`);
    }
    lines.push(...sinkPartitionLines(task));
    if (this.out.isTTY) {
      if (this.lastLines) this.out.write(`\x1b[${this.lastLines}A\x1b[0J`);
      this.out.write(lines.join('\n') + '\n');
      this.lastLines = lines.length;
    } else if (force || now - this.lastPrint > 5_000) {
      this.out.write(lines.join('\n') + '\n');
      this.lastPrint = now;
    }
  }

  /** Per second over the last ~10 s of renders; undefined until two renders are apart. */
  private rate(key: string, now: number, count: bigint): number | undefined {
    const hist = this.samples.get(key) ?? [];
    hist.push({ at: now, rows: count });
    while (hist.length > 2 && now - hist[0]!.at > 10_000) hist.shift();
    this.samples.set(key, hist);
    const first = hist[0]!;
    const secs = (now - first.at) / 1000;
    return secs > 0.5 ? Number(count - first.rows) / secs : undefined;
  }
}
