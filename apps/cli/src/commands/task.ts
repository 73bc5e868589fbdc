import { readFileSync } from 'node:fs';
import { CheckStatus, Stage, type TaskView, type Throttle } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { ControlClient } from '../control-client.js';
import { ProgressView, throttleLine } from '../progress-view.js';
import { toJson } from '../json-output.js';

export interface TaskCommandOptions {
  readonly address: string;
  readonly json: boolean;
  readonly file?: string;
  readonly watch: boolean;
  readonly ignoreWarnings: string[];
  /** `task resync ID DB.TABLE` / `--all`. */
  readonly resync?: { readonly table?: string; readonly all: boolean };
  /** `task throttle`: the limits to change (flags given), as typed. */
  readonly throttle?: Partial<Record<keyof Throttle, string | undefined>>;
}

const json = (v: unknown) => toJson(v, 2);
const stage = (t: TaskView) =>
  `${Stage[t.stage].replace('STAGE_', '').toLowerCase()}${t.retrying.length ? ' (retrying)' : ''}`;

/** `tidewater task <verb> …` against a running coordinator (TIDEWATER_GRPC_ADDRESS). */
export async function task(
  verb: string | undefined,
  id: string | undefined,
  opts: TaskCommandOptions,
): Promise<number> {
  const c = new ControlClient(opts.address);
  const need = (): string => {
    if (!id)
      throw new TidewaterError('TW_SPEC_INVALID', `tidewater task ${verb}: the task id is missing`, {
        fix: `tidewater task ${verb} <id>`,
      });
    return id;
  };
  const show = (t: TaskView) =>
    console.log(opts.json ? json(t) : `${t.taskId}\t${stage(t)}${t.errorMessage ? `\t${t.errorMessage}` : ''}`);
  try {
    await c.waitReady(5_000).catch((e: unknown) => {
      // Something answers, but not in the way this client speaks: that is the message.
      if (e instanceof TidewaterError && e.code === 'TW_TLS_REQUIRED') throw e;
      throw new TidewaterError('TW_BUS_UNAVAILABLE', `no coordinator answers at ${opts.address}`, {
        fix: 'start one with `tidewater up`, or set TIDEWATER_GRPC_ADDRESS',
      });
    });
    switch (verb) {
      case 'create': {
        if (!opts.file)
          throw new TidewaterError('TW_SPEC_INVALID', 'tidewater task create: -f spec.yaml is required', {
            fix: 'see docs/task-spec.md',
          });
        show(await c.createTask(readFileSync(opts.file, 'utf8')));
        return 0;
      }
      case 'update': {
        const taskId = need();
        if (!opts.file)
          throw new TidewaterError('TW_SPEC_INVALID', 'tidewater task update: -f spec.yaml is required', {
            fix: `tidewater task update ${taskId} -f spec.yaml (docs/task-spec.md: which keys can change)`,
          });
        const { task: t, changed } = await c.updateTask(taskId, readFileSync(opts.file, 'utf8'));
        if (opts.json) console.log(json({ task: t, changed }));
        else
          console.log(`${t.taskId}\t${stage(t)}\t${changed.length ? `updated: ${changed.join(', ')}` : 'no change'}`);
        return 0;
      }
      case 'precheck': {
        const r = await c.runPrecheck(need());
        if (opts.json) console.log(json(r));
        else {
          for (const i of r.items)
            console.log(
              `${CheckStatus[i.status].replace('CHECK_STATUS_', '').padEnd(8)} ${i.name.padEnd(28)} ${i.message}${i.fix ? `\n         fix: ${i.fix}` : ''}`,
            );
          const warnings = r.items.filter((i) => i.status === CheckStatus.CHECK_STATUS_WARNING).map((i) => i.name);
          if (r.passed && warnings.length)
            console.log(
              `\nfix the warnings, or accept them by name: tidewater task start ${id} --ignore-warnings ${warnings.join(',')}`,
            );
        }
        return r.passed ? 0 : 1;
      }
      case 'start':
        show(await c.startTask(need(), opts.ignoreWarnings));
        return 0;
      case 'pause':
        show(await c.pauseTask(need()));
        return 0;
      case 'resume':
        show(await c.resumeTask(need()));
        return 0;
      case 'stop':
        show(await c.stopTask(need()));
        return 0;
      case 'resync': {
        const taskId = need();
        const { table, all } = opts.resync ?? { all: false };
        if (!!table === all)
          throw new TidewaterError('TW_SPEC_INVALID', 'tidewater task resync: name one table or --all', {
            fix: `tidewater task resync ${taskId} DB.TABLE, or tidewater task resync ${taskId} --all`,
          });
        show(await c.resyncTable(taskId, all ? '' : table!));
        return 0;
      }
      case 'delete':
        await c.deleteTask(need());
        console.log(
          opts.json
            ? json({ deleted: id })
            : `task ${id} deleted (its state, queued work and capture position; the warehouse tables stay)`,
        );
        return 0;
      case 'throttle': {
        const taskId = need();
        const current = (await c.getTask(taskId)).throttle!;
        const next: Throttle = { ...current };
        for (const [k, v] of Object.entries(opts.throttle ?? {}) as [keyof Throttle, string | undefined][]) {
          if (v === undefined) continue;
          if (!/^\d+$/.test(v))
            throw new TidewaterError('TW_SPEC_INVALID', `tidewater task throttle: ${v} is not a whole number`, {
              fix: 'give limits per second as whole numbers; 0 removes a limit',
            });
          next[k] = Number(v);
        }
        const t = await c.setThrottle(taskId, next);
        if (opts.json) console.log(json(t));
        else console.log(`${t.taskId}\t${throttleLine(t.throttle)}`);
        return 0;
      }
      case 'list': {
        const tasks = await c.listTasks();
        if (opts.json) console.log(json(tasks));
        else if (tasks.length === 0)
          console.log(`no tasks at ${opts.address} (create one: tidewater task create -f task.yaml)`);
        else for (const t of tasks) show(t);
        return 0;
      }
      case 'status': {
        const taskId = need();
        if (!opts.watch) {
          const t = await c.getTask(taskId);
          if (opts.json) console.log(json(t));
          else new ProgressView().render(t, true);
          return 0;
        }
        const view = new ProgressView();
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        await c.watchTask(
          taskId,
          (t) => {
            if (opts.json) console.log(toJson(t));
            else view.render(t);
            if (t.stage === Stage.STAGE_COMPLETED || t.stage === Stage.STAGE_FAILED || t.stage === Stage.STAGE_STOPPED)
              stop.abort();
          },
          stop.signal,
        );
        return 0;
      }
      default:
        throw new TidewaterError('TW_SPEC_INVALID', `tidewater task: unknown command ${verb ?? '(none)'}`, {
          fix: 'use create, precheck, start, status, pause, resume, resync, update, stop, delete, throttle or list',
        });
    }
  } finally {
    c.close();
  }
}
