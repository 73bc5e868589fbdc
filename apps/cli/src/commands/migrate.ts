import { readFileSync } from 'node:fs';
import { CheckStatus, Stage, type TaskView } from '@tidewater/proto';
import { parseTaskSpec, type TaskSpec } from '@tidewater/config';
import { ErrorCodes, TidewaterError, isRetriable, type ErrorCode } from '@tidewater/errors';
import { startLocal, needsIncremental } from '../local-run.js';
import type { StateLock } from '../state-lock.js';
import { preflight } from '../preflight.js';
import { ProgressView } from '../progress-view.js';

export interface MigrateOptions {
  readonly file?: string;
  readonly specText?: string;
  readonly stateDir: string;
  readonly json: boolean;
  readonly sinks?: number;
  /** The state-dir lock, when the caller holds it already. */
  readonly lock?: StateLock;
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
const stageName = (t: TaskView) => Stage[t.stage].replace('STAGE_', '').toLowerCase();

/**
 * A paused or failed task ends the run: nothing moves until someone acts, and the control
 * plane of this run goes away with it. What works then is running the same command again:
 * it resumes the task (after the cause is fixed).
 */
function halted(task: TaskView, opts: MigrateOptions): TidewaterError {
  const code = task.errorCode in ErrorCodes ? (task.errorCode as ErrorCode) : 'TW_TASK_STATE';
  const why = task.errorCode
    ? `${task.errorCode in ErrorCodes ? '' : `${task.errorCode}: `}${task.errorMessage}`
    : 'paused through the control plane';
  const again = opts.file
    ? `tidewater migrate -f ${opts.file}${opts.stateDir === '.tidewater' ? '' : ` --state-dir ${opts.stateDir}`}`
    : 'the same command';
  const cause = task.errorCode in ErrorCodes ? ErrorCodes[task.errorCode as ErrorCode].description : '';
  // Resuming meets the same statement again: the code's own fix (a new task) is the way on.
  const resume =
    code === 'TW_UNSUPPORTED_DDL'
      ? ''
      : `${cause ? 'Then run' : 'Run'} ${again} again: it resumes the task where it stopped.`;
  return new TidewaterError(code, `task ${task.name} ${stageName(task)}: ${why}`, {
    subject: task.name,
    fix: [cause, resume].filter(Boolean).join(' '),
  });
}

export async function migrate(opts: MigrateOptions): Promise<MigrateResult> {
  let text = opts.specText;
  if (text === undefined) {
    try {
      text = readFileSync(opts.file!, 'utf8');
    } catch (e) {
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `cannot read task spec ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        { fix: 'pass an existing file with -f' },
      );
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
      throw new TidewaterError('TW_SPEC_INVALID', `--sinks ${opts.sinks}: a DuckDB file takes one writer`, {
        subject: '--sinks',
        fix: 'run one sink for the embedded DuckDB destination (drop --sinks)',
      });
    }
    const tables = await preflight(spec);
    if (!opts.json)
      console.log(`source ok: ${tables} table(s) selected; starting services (logs in ${opts.stateDir}/logs)`);
    local = await startLocal({
      stateDir: opts.stateDir,
      incremental: needsIncremental(spec),
      sinks: opts.sinks,
      lock: opts.lock,
      onEvent: (m) => !opts.json && console.log(m),
    });
    // On stderr with --json, so stdout stays one JSON document.
    (opts.json ? console.error : console.log)(
      `control plane ${local.grpcAddress} while this runs: tidewater task status ${spec.name} --grpc ${local.grpcAddress}`,
    );
    const view = new ProgressView();
    let task = await local.client.createTask(text);
    if (task.stage === Stage.STAGE_CREATED || task.stage === Stage.STAGE_PRECHECKED) {
      const started = await local.client.precheckAndStart(task.taskId);
      if (!opts.json) {
        for (const i of started.items)
          if (i.status !== CheckStatus.CHECK_STATUS_PASSED)
            console.log(`precheck warning ${i.name}: ${i.message} (${i.fix})`);
      }
      task = started.task;
    } else if (task.stage === Stage.STAGE_PAUSED || task.stage === Stage.STAGE_FAILED) {
      // The re-run a halted run asked for: the task resumes where it stopped (a failed one
      // only if it failed after it started; the control plane refuses it otherwise).
      if (!opts.json)
        console.log(
          `task ${task.name} was ${stageName(task)}${task.errorCode ? ` (${task.errorCode})` : ''}: resuming`,
        );
      task = await local.client.resumeTask(task.taskId);
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
        if (!unreadable)
          console.error(`tidewater: cannot read the task state now (${(e as Error).message}); asking again`);
        unreadable = true;
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (!opts.json) view.render(task);
      if (task.stage === Stage.STAGE_COMPLETED) break;
      if (task.stage === Stage.STAGE_PAUSED || task.stage === Stage.STAGE_FAILED) {
        if (!opts.json) view.render(task, true);
        throw halted(task, opts);
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
