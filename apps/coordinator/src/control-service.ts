import { status, Metadata, type ServiceError, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { CheckStatus, Stage, TaskState, type ControlServiceServer, type TaskView } from '@tidewater/proto';
import { parseTaskSpec, redactSpec, sealSpec, secretKeyFromEnv, validateTaskSpec } from '@tidewater/config';
import { describeBus, MAX_MESSAGE_BYTES, requestSinkInspect, type Bus } from '@tidewater/bus';
import { CheckpointStore } from '@tidewater/binlog';
import { ACTIVE_STAGES, PartitionLeaseView, liveSinks, specOf, type TaskStore } from '@tidewater/task-state';
import { runPrecheck } from '@tidewater/precheck';
import { ErrorCodes, TidewaterError, isTidewaterError, redact } from '@tidewater/errors';
import type { Logger } from '@tidewater/telemetry';
import { taskView } from './task-view.js';
import { sinkWritersItem } from './sink-writers.js';
import { watchTask } from './watch-task.js';
import { resyncTable } from './resync-request.js';
import { TERMINAL, stageName } from './stage-machine.js';
import { needsPause, specChanges } from './spec-update.js';

export interface ControlDeps {
  readonly store: TaskStore;
  readonly bus: Bus;
  readonly log: Logger;
}

/**
 * A gRPC status carrying our code and fix in trailers. An error without our code comes from
 * a library or the runtime (usually a transient bus or network failure, not a bug): it is
 * TW_UNCLASSIFIED, and its message may quote a connection URL, so credentials are redacted.
 */
export function toServiceError(e: unknown): ServiceError {
  const err = isTidewaterError(e)
    ? e
    : new TidewaterError('TW_UNCLASSIFIED', redact(e instanceof Error ? e.message : String(e), []));
  const md = new Metadata();
  md.set('tw-error-code', err.code);
  const fix = typeof err.details.fix === 'string' ? err.details.fix : ErrorCodes[err.code].description;
  md.set('tw-error-fix', fix.replace(/[^\x20-\x7e]/g, ' '));
  return Object.assign(new Error(`${err.code}: ${err.message}`), {
    code: status[ErrorCodes[err.code].grpc],
    details: `${err.code}: ${err.message}`,
    metadata: md,
  });
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, cb: sendUnaryData<Res>) => {
    fn(call.request).then(
      (r) => cb(null, r),
      (e: unknown) => cb(toServiceError(e)),
    );
  };
}

/** The gRPC control plane (docs/control-plane.md). */
export function controlService(deps: ControlDeps): ControlServiceServer {
  const { store, log } = deps;
  let leaseView: Promise<PartitionLeaseView> | undefined;
  // A view shows who writes each sink partition; without the lease bucket it shows no owners rather than failing.
  const view = async (state: TaskState): Promise<TaskView> => {
    leaseView ??= PartitionLeaseView.open(deps.bus);
    leaseView.catch(() => (leaseView = undefined));
    const leases = await leaseView.then((v) => v.read(state.taskId)).catch(() => undefined);
    return taskView(state, Date.now(), leases);
  };
  const transition = async (
    taskId: string,
    allowed: (s: Stage) => boolean,
    to: Stage,
    verb: string,
  ): Promise<TaskView> => {
    const { state } = await store.update(taskId, (s) => {
      if (s.stage === to) return undefined;
      if (!allowed(s.stage))
        throw new TidewaterError('TW_TASK_STATE', `cannot ${verb} task ${taskId} in stage ${stageName(s.stage)}`, {
          subject: taskId,
        });
      return { ...s, stage: to, retrying: [] };
    });
    // The coordinator's KV watch starts or stops the task's driver on this change.
    return view(state);
  };
  return {
    createTask: unary(async (req) => {
      const spec = parseTaskSpec(req.spec);
      const key = secretKeyFromEnv();
      const existing = await store.get(spec.name);
      if (existing) {
        // Same spec again (e.g. `tidewater migrate` re-run): the task continues, not restarts.
        if (JSON.stringify(specOf(existing.state)) === JSON.stringify(spec))
          return { task: await view(existing.state) };
        throw new TidewaterError('TW_TASK_STATE', `a task named ${spec.name} already exists with a different spec`, {
          subject: spec.name,
          fix: `delete it first (tidewater task delete ${spec.name}) or choose another name`,
        });
      }
      const now = BigInt(Date.now());
      // Secrets are encrypted at rest: KV holds the sealed spec only.
      const state = TaskState.fromPartial({
        taskId: spec.name,
        name: spec.name,
        stage: Stage.STAGE_CREATED,
        specJson: JSON.stringify(sealSpec(spec, key)),
        createdAtMs: now,
        updatedAtMs: now,
      });
      await store.create(state);
      log.info('task created', { task: spec.name, spec: redactSpec(spec) });
      return { task: await view(state) };
    }),
    getTask: unary(async (req) => ({ task: await view((await store.require(req.taskId)).state) })),
    listTasks: unary(async () => ({ tasks: await Promise.all((await store.list()).map((t) => view(t.state))) })),
    deleteTask: unary(async (req) => {
      const { state } = await store.require(req.taskId);
      if (ACTIVE_STAGES.has(state.stage)) {
        throw new TidewaterError('TW_TASK_STATE', `task ${req.taskId} is running (${stageName(state.stage)})`, {
          fix: `stop it first: tidewater task stop ${req.taskId}`,
        });
      }
      await store.delete(req.taskId);
      await deps.bus.purgeTask(req.taskId);
      // A new task under this name must start capture from its own position, not this one's.
      await (await CheckpointStore.open(deps.bus)).delete(req.taskId).catch(() => undefined);
      return {};
    }),
    runPrecheck: unary(async (req) => {
      const { state } = await store.require(req.taskId);
      if (state.stage !== Stage.STAGE_CREATED && state.stage !== Stage.STAGE_PRECHECKED) {
        throw new TidewaterError(
          'TW_TASK_STATE',
          `task ${req.taskId} is ${stageName(state.stage)}: the precheck runs before the task starts`,
          { subject: req.taskId },
        );
      }
      const spec = specOf(state);
      const items = await runPrecheck(spec, {
        destination: (names) => requestSinkInspect(deps.bus, req.taskId, names),
        bus: async () => ({ ...(await describeBus(deps.bus)), largestBatch: MAX_MESSAGE_BYTES }),
      });
      items.push(sinkWritersItem(spec, await liveSinks(deps.bus)));
      const ok = !items.some((i) => i.status === CheckStatus.CHECK_STATUS_FAILED);
      await store.update(req.taskId, (s) =>
        s.stage === Stage.STAGE_CREATED || s.stage === Stage.STAGE_PRECHECKED
          ? { ...s, precheck: items, stage: ok ? Stage.STAGE_PRECHECKED : Stage.STAGE_CREATED }
          : undefined,
      );
      log.info('precheck', {
        task: req.taskId,
        passed: ok,
        failed: items.filter((i) => i.status === CheckStatus.CHECK_STATUS_FAILED).map((i) => i.name),
      });
      return { items, passed: ok };
    }),
    startTask: unary(async (req) => {
      const { state } = await store.require(req.taskId);
      if (state.stage === Stage.STAGE_CREATED) {
        throw new TidewaterError('TW_TASK_STATE', `task ${req.taskId} has not passed its precheck`, {
          subject: req.taskId,
          fix: `run it: tidewater task precheck ${req.taskId}, fix what failed, then start`,
        });
      }
      const unaccepted = state.precheck.filter(
        (i) => i.status === CheckStatus.CHECK_STATUS_WARNING && !req.ignoreWarnings.includes(i.name),
      );
      if (state.stage === Stage.STAGE_PRECHECKED && unaccepted.length > 0) {
        throw new TidewaterError(
          'TW_TASK_STATE',
          `task ${req.taskId} has precheck warnings not accepted: ${unaccepted.map((i) => `${i.name} (${i.message})`).join('; ')}`,
          {
            subject: req.taskId,
            fix: `fix them, or accept them by name: tidewater task start ${req.taskId} --ignore-warnings ${unaccepted.map((i) => i.name).join(',')} (StartTask ignore_warnings)`,
          },
        );
      }
      return { task: await transition(req.taskId, (s) => s === Stage.STAGE_PRECHECKED, Stage.STAGE_SCHEMA, 'start') };
    }),
    pauseTask: unary(async (req) => {
      const { state } = await store.update(req.taskId, (s) => {
        if (s.stage === Stage.STAGE_PAUSED) return undefined;
        if (!ACTIVE_STAGES.has(s.stage))
          throw new TidewaterError('TW_TASK_STATE', `cannot pause task ${req.taskId} in stage ${stageName(s.stage)}`, {
            subject: req.taskId,
          });
        return { ...s, stage: Stage.STAGE_PAUSED, pausedFrom: s.stage, retrying: [] };
      });
      return { task: await view(state) };
    }),
    resumeTask: unary(async (req) => {
      const { state } = await store.update(req.taskId, (s) => {
        const failedMidway = s.stage === Stage.STAGE_FAILED && ACTIVE_STAGES.has(s.pausedFrom);
        if (s.stage !== Stage.STAGE_PAUSED && !failedMidway) {
          throw new TidewaterError('TW_TASK_STATE', `task ${req.taskId} is not paused (${stageName(s.stage)})`, {
            subject: req.taskId,
            fix: 'only a paused task, or one that failed after it started, can be resumed',
          });
        }
        // Every stage re-enters from its checkpoints; a task paused by unsupported DDL meets
        // the statement again and pauses again, a failed one retries with fresh windows.
        // "Blocked since" restarts with the resumed services; the lag keeps counting (L1).
        return {
          ...s,
          stage: s.pausedFrom || Stage.STAGE_SCHEMA,
          errorCode: '',
          errorMessage: '',
          retrying: [],
          appliedAtMs: BigInt(Date.now()),
        };
      });
      return { task: await view(state) };
    }),
    stopTask: unary(async (req) => ({
      task: await transition(req.taskId, (s) => !TERMINAL.has(s), Stage.STAGE_STOPPED, 'stop'),
    })),
    setThrottle: unary(async (req) => {
      const t = req.throttle ?? { fullQps: 0, fullRps: 0, fullMbps: 0, incrementalRps: 0, incrementalMbps: 0 };
      const key = secretKeyFromEnv();
      const { state } = await store.update(req.taskId, (s) => {
        if (TERMINAL.has(s.stage))
          throw new TidewaterError('TW_TASK_STATE', `task ${req.taskId} is ${stageName(s.stage)}`, {
            subject: req.taskId,
          });
        // Re-validated as a whole spec: the same ranges and messages as at creation.
        const spec = validateTaskSpec({
          ...specOf(s),
          throttle: {
            full: { qps: t.fullQps, rps: t.fullRps, mbps: t.fullMbps },
            incremental: { rps: t.incrementalRps, mbps: t.incrementalMbps },
          },
        });
        return { ...s, specJson: JSON.stringify(sealSpec(spec, key)) };
      });
      log.info('throttle changed', { task: req.taskId, throttle: t });
      // Services watching the task pick the new limits up from KV.
      return { task: await view(state) };
    }),
    updateTask: unary(async (req) => {
      const next = parseTaskSpec(req.spec);
      const key = secretKeyFromEnv();
      let changed: string[] = [];
      const { state } = await store.update(req.taskId, (s) => {
        if (ACTIVE_STAGES.has(s.stage) && needsPause(specChanges(req.taskId, specOf(s), next))) {
          throw new TidewaterError(
            'TW_TASK_STATE',
            `task ${req.taskId} is running (${stageName(s.stage)}): pause it first`,
            {
              subject: req.taskId,
              fix: `tidewater task pause ${req.taskId}, update it, then tidewater task resume ${req.taskId}`,
            },
          );
        }
        if (s.stage === Stage.STAGE_STOPPED || s.stage === Stage.STAGE_COMPLETED) {
          throw new TidewaterError(
            'TW_TASK_STATE',
            `task ${req.taskId} is ${stageName(s.stage)}: it will not run again`,
            { subject: req.taskId, fix: 'create a new task under another name' },
          );
        }
        changed = specChanges(req.taskId, specOf(s), next);
        if (changed.length === 0) return undefined;
        // A precheck passed against the old source says nothing about the new one.
        const recheck = s.stage === Stage.STAGE_PRECHECKED && changed.some((k) => k.startsWith('source.'));
        // Sealed like at creation; positions, chunk plan and checkpoints are left as they are.
        return {
          ...s,
          specJson: JSON.stringify(sealSpec(next, key)),
          ...(recheck ? { stage: Stage.STAGE_CREATED, precheck: [] } : {}),
        };
      });
      log.info('task updated', { task: req.taskId, changed });
      return { task: await view(state), changed };
    }),
    watchTask: watchTask(store, view, toServiceError),
    resyncTable: unary((req) => resyncTable(deps, req, view)),
  };
}
