import { context, trace, SpanStatusCode, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { extractTrace, type Bus } from '@tidewater/bus';
import { FaultReporter, type StoredTask } from '@tidewater/task-state';
import type { Logger } from '@tidewater/telemetry';
import type { TaskWorker } from './task-workers.js';

/** A message's headers, as JetStream hands them over. */
type Headers = Parameters<typeof extractTrace>[0];

/** What a service's worker gets to run one task. */
export interface WorkerContext {
  readonly taskId: string;
  /** Aborted when the worker stops (or its service does); every loop of the worker ends on it. */
  readonly signal: AbortSignal;
  /** Ends the worker's loops from inside, e.g. when the task must wait for a decision elsewhere. */
  abort(): void;
  /**
   * The fault reporter of the worker (`<name>`) or one of its parts (`<name>/<part>`): one open
   * fault per reporter, so a part's name is stable across restarts.
   */
  faults(part?: string): FaultReporter;
  /** Error hooks of a retrying loop: a failure is logged as `message` and reported to the task; a success clears it. */
  retries(
    message: string,
    part?: string,
    fields?: Record<string, unknown>,
  ): { onError(e: unknown): void; onRecovered(): void };
  /** Runs `fn` in a span that continues the trace carried by a message's headers. */
  traced<T>(name: string, headers: Headers, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T>;
  /** A loop the worker runs until stopped: stopping waits for it; a loop that throws is logged as `message`. */
  keep(loop: Promise<unknown>, message: string, fields?: Record<string, unknown>): void;
}

/** What a started worker adds to the skeleton. */
export interface WorkerParts {
  /** Called with every new state of the task while the worker runs. */
  update?(t: StoredTask): void;
  /** Releases what the worker holds (source pool, destination), after all its loops ended. */
  close?(): Promise<void>;
  /** Logged with "<name> task started". */
  readonly started?: Record<string, unknown>;
}

/** What the worker uses of its service (a ServiceContext). */
export interface WorkerServices {
  readonly bus: Bus;
  readonly log: Logger;
  readonly tracer: Tracer;
}

export interface TaskWorkerOptions {
  /** The service, e.g. `sink`: names the fault reporters and the log lines. */
  readonly name: string;
  readonly task: StoredTask;
  /** The service's signal (taskWorkers'): aborting it stops the worker. */
  readonly signal: AbortSignal;
  /** Redacted from fault reports (the source password). */
  readonly secrets?: readonly string[];
}

/**
 * The skeleton of a per-task worker: its abort controller, fault reporters, error hooks,
 * trace spans and the `{update, stop}` handle. Stopping aborts the loops, waits for them to
 * end and only then closes what they used.
 */
export async function taskWorker(
  ctx: WorkerServices,
  o: TaskWorkerOptions,
  start: (w: WorkerContext) => Promise<WorkerParts> | WorkerParts,
): Promise<TaskWorker> {
  const taskId = o.task.state.taskId;
  const controller = new AbortController();
  const abort = () => controller.abort();
  o.signal.addEventListener('abort', abort, { once: true });
  const reporters = new Map<string, FaultReporter>();
  const loops: Promise<unknown>[] = [];
  const faults = (part?: string): FaultReporter => {
    const reporter = part ? `${o.name}/${part}` : o.name;
    let r = reporters.get(reporter);
    if (!r) reporters.set(reporter, (r = new FaultReporter(ctx.bus, taskId, reporter, o.secrets)));
    return r;
  };
  const w: WorkerContext = {
    taskId,
    signal: controller.signal,
    abort,
    faults,
    retries: (message, part, fields) => ({
      onError: (e) => {
        ctx.log.warn(message, { task: taskId, ...fields, err: e });
        faults(part).failed(e);
      },
      onRecovered: () => faults(part).recovered(),
    }),
    async traced(name, headers, attributes, fn) {
      const span = ctx.tracer.startSpan(
        name,
        { attributes: { 'tidewater.task': taskId, ...attributes } },
        extractTrace(headers),
      );
      try {
        return await context.with(trace.setSpan(context.active(), span), () => fn(span));
      } catch (e) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error).message });
        throw e;
      } finally {
        span.end();
      }
    },
    keep(loop, message, fields) {
      loops.push(loop.catch((e: unknown) => ctx.log.error(message, { task: taskId, ...fields, err: e })));
    },
  };
  const ended = async () => {
    controller.abort();
    o.signal.removeEventListener('abort', abort);
    await Promise.allSettled(loops);
    for (const r of reporters.values()) r.forget();
  };
  let parts: WorkerParts;
  try {
    parts = await start(w);
  } catch (e) {
    await ended();
    throw e;
  }
  ctx.log.info(`${o.name} task started`, { task: taskId, ...parts.started });
  return {
    update: parts.update && ((t) => parts.update!(t)),
    async stop() {
      await ended();
      await parts.close?.();
    },
  };
}
