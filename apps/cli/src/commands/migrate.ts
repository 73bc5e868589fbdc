import { readFileSync } from 'node:fs';
import { CheckStatus, Stage, type TaskView } from '@tidewater/proto';
import { parseTaskSpec, type TaskSpec } from '@tidewater/config';
import { TidewaterError, isRetriable } from '@tidewater/errors';
import { startLocal, needsIncremental } from '../local-run.js';
import { preflight } from '../preflight.js';
import { ProgressView } from '../progress-view.js';

export interface MigrateOptions {
  readonly file?: string;
  readonly specText?: string;
  readonly stateDir: string;
  readonly json: boolean;
  readonly sinks?: number;
}

export interface MigrateResult {
  readonly task: TaskView;
  readonly spec: TaskSpec;
}

/**
 * `tidewater migrate -f task.yaml`: runs the whole task on this machine. A full-only task
 * returns when it completes; an incremental one runs until SIGINT/SIGTERM and leaves a
 * state from which the same command continues.
 */
export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  let text = opts.specText;
  if (text === undefined) {
    try {
      text = readFileSync(opts.file!, 'utf8');
    } catch (e) {
      throw new TidewaterError('TW_SPEC_INVALID', `cannot read task spec ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { fix: 'pass an existing file with -f' });
    }
  }
  // Ctrl-C at any point (even while starting or stopping) ends the run cleanly: the task's
  // state stays in NATS and the same command continues it.
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let local: Awaited<ReturnType<typeof startLocal>> | undefined;
  try {
    const spec = parseTaskSpec(text);
    if ((opts.sinks ?? 1) > 1 && spec.destination.type === 'duckdb') {
      throw new TidewaterError('TW_SPEC_INVALID', `--sinks ${opts.sinks}: a DuckDB file takes one writer`, { subject: '--sinks', fix: 'run one sink for the embedded DuckDB destination (drop --sinks)' });
    }
    const tables = await preflight(spec);
    if (!opts.json) console.log(`source ok: ${tables} table(s) selected; starting services (logs in ${opts.stateDir}/logs)`);
    local = await startLocal({ stateDir: opts.stateDir, incremental: needsIncremental(spec), sinks: opts.sinks, onEvent: (m) => !opts.json && console.log(m) });
    const view = new ProgressView();
    let task = await local.client.createTask(text);
    if (task.stage === Stage.STAGE_CREATED || task.stage === Stage.STAGE_PRECHECKED) {
      const started = await local.client.precheckAndStart(task.taskId);
      if (!opts.json) {
        for (const i of started.items) if (i.status !== CheckStatus.CHECK_STATUS_PASSED) console.log(`precheck warning ${i.name}: ${i.message} (${i.fix})`);
      }
      task = started.task;
    }
    let lost: TidewaterError | undefined;
    void local.lost.then((e) => (lost = e));
    let unreadable = false;
    for (;;) {
      if (interrupted) break;
      if (lost) throw lost;
      try {
        task = await local.client.getTask(task.taskId);
        unreadable = false;
      } catch (e) {
        // The bus restarting (a private NATS that died is started again): the task goes on.
        if (!isRetriable(e)) throw e;
        if (!unreadable) console.error(`tidewater: cannot read the task state now (${(e as Error).message}); asking again`);
        unreadable = true;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!opts.json) view.render(task);
      if (task.stage === Stage.STAGE_COMPLETED) break;
      if (task.stage === Stage.STAGE_FAILED) {
        throw new TidewaterError((task.errorCode || 'TW_INTERNAL') as 'TW_INTERNAL', `task ${task.name} failed: ${task.errorMessage}`);
      }
      if (task.stage === Stage.STAGE_STOPPED) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    if (!opts.json) view.render(task, true);
    return { task, spec };
  } finally {
    await local?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
