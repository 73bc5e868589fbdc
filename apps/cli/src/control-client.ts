import { readFileSync } from 'node:fs';
import { credentials, InterceptingCall, type ChannelCredentials, type Interceptor, type ServiceError } from '@grpc/grpc-js';
import { CheckStatus, ControlServiceClient, type TaskView, type PrecheckItem, type RunPrecheckResponse, type PauseTaskResponse, type ResumeTaskResponse, type CreateTaskResponse, type GetTaskResponse, type ListTasksResponse, type StartTaskResponse, type StopTaskResponse, type DeleteTaskResponse, type SetThrottleResponse, type Throttle, type UpdateTaskResponse } from '@tidewater/proto';
import { TidewaterError, ErrorCodes, type ErrorCode } from '@tidewater/errors';

/** A promise-based client of the coordinator's control plane. */
export class ControlClient {
  private readonly client: ControlServiceClient;

  constructor(address: string, security: ClientSecurity = clientSecurityFromEnv()) {
    this.client = new ControlServiceClient(address, security.credentials, { interceptors: security.interceptors });
  }

  async waitReady(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.waitForReady(Date.now() + timeoutMs, (e) => (e ? reject(new TidewaterError('TW_BUS_UNAVAILABLE', `coordinator did not come up: ${e.message}`)) : resolve())),
    );
  }

  createTask(spec: string): Promise<TaskView> {
    return this.call<CreateTaskResponse>((cb) => this.client.createTask({ spec }, cb)).then((r) => r.task!);
  }
  getTask(taskId: string): Promise<TaskView> {
    return this.call<GetTaskResponse>((cb) => this.client.getTask({ taskId }, cb)).then((r) => r.task!);
  }
  listTasks(): Promise<TaskView[]> {
    return this.call<ListTasksResponse>((cb) => this.client.listTasks({}, cb)).then((r) => r.tasks);
  }
  startTask(taskId: string, ignoreWarnings: string[] = []): Promise<TaskView> {
    return this.call<StartTaskResponse>((cb) => this.client.startTask({ taskId, ignoreWarnings }, cb)).then((r) => r.task!);
  }
  runPrecheck(taskId: string): Promise<{ items: PrecheckItem[]; passed: boolean }> {
    return this.call<RunPrecheckResponse>((cb) => this.client.runPrecheck({ taskId }, cb));
  }
  /**
   * The one-shot path of `migrate`: precheck, refuse on a failed item, start with the
   * warnings accepted (they are shown to the user by the caller).
   */
  async precheckAndStart(taskId: string): Promise<{ task: TaskView; items: PrecheckItem[] }> {
    const { items, passed } = await this.runPrecheck(taskId);
    if (!passed) {
      const bad = items.filter((i) => i.status === CheckStatus.CHECK_STATUS_FAILED);
      throw new TidewaterError('TW_PRECHECK_FAILED', `task ${taskId} failed its precheck: ${bad.map((i) => `${i.name}: ${i.message}`).join('; ')}`, {
        subject: taskId,
        fix: bad.map((i) => i.fix).join('; '),
      });
    }
    const warnings = items.filter((i) => i.status === CheckStatus.CHECK_STATUS_WARNING).map((i) => i.name);
    return { task: await this.startTask(taskId, warnings), items };
  }

  pauseTask(taskId: string): Promise<TaskView> {
    return this.call<PauseTaskResponse>((cb) => this.client.pauseTask({ taskId }, cb)).then((r) => r.task!);
  }
  resumeTask(taskId: string): Promise<TaskView> {
    return this.call<ResumeTaskResponse>((cb) => this.client.resumeTask({ taskId }, cb)).then((r) => r.task!);
  }
  stopTask(taskId: string): Promise<TaskView> {
    return this.call<StopTaskResponse>((cb) => this.client.stopTask({ taskId }, cb)).then((r) => r.task!);
  }
  setThrottle(taskId: string, throttle: Throttle): Promise<TaskView> {
    return this.call<SetThrottleResponse>((cb) => this.client.setThrottle({ taskId, throttle }, cb)).then((r) => r.task!);
  }
  /** Replaces the spec of a task that is not running; answers with the keys that changed. */
  updateTask(taskId: string, spec: string): Promise<{ task: TaskView; changed: string[] }> {
    return this.call<UpdateTaskResponse>((cb) => this.client.updateTask({ taskId, spec }, cb)).then((r) => ({ task: r.task!, changed: r.changed }));
  }
  deleteTask(taskId: string): Promise<void> {
    return this.call<DeleteTaskResponse>((cb) => this.client.deleteTask({ taskId }, cb)).then(() => undefined);
  }

  /** Streams every new state of the task until `signal` aborts or the task is deleted. */
  watchTask(taskId: string, onUpdate: (t: TaskView) => void, signal: AbortSignal): Promise<void> {
    const call = this.client.watchTask({ taskId });
    signal.addEventListener('abort', () => call.cancel(), { once: true });
    call.on('data', (r: { task?: TaskView }) => r.task && onUpdate(r.task));
    return new Promise((resolve, reject) => {
      call.on('end', () => resolve());
      call.on('error', (e: ServiceError) => (signal.aborted ? resolve() : reject(toTidewaterError(e))));
    });
  }

  close(): void {
    this.client.close();
  }

  private call<T>(fn: (cb: (e: ServiceError | null, r: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) =>
      fn((e, r) => {
        if (!e) return resolve(r);
        reject(toTidewaterError(e));
      }),
    );
  }
}

function toTidewaterError(e: ServiceError): TidewaterError {
  const code = String(e.metadata?.get('tw-error-code')?.[0] ?? 'TW_INTERNAL');
  const known = code in ErrorCodes ? (code as ErrorCode) : 'TW_INTERNAL';
  const fix = String(e.metadata?.get('tw-error-fix')?.[0] ?? '');
  return new TidewaterError(known, (e.details || e.message).replace(/^TW_[A-Z_]+: /, ''), fix ? { fix } : {});
}

export interface ClientSecurity {
  readonly credentials: ChannelCredentials;
  readonly interceptors: Interceptor[];
}

/**
 * TLS when TIDEWATER_TLS_CA is set (the CA that signed the coordinator's certificate;
 * TIDEWATER_TLS_CLIENT_CERT/KEY add a client certificate for mTLS), and the bearer token
 * from TIDEWATER_API_TOKEN(_FILE) on every call.
 */
export function clientSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  const read = (name: string): Buffer | null => {
    const file = env[name];
    if (!file) return null;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new TidewaterError('TW_SPEC_INVALID', `cannot read ${name} ${file}: ${(e as NodeJS.ErrnoException).code}`, { subject: name, fix: `point ${name} at a readable PEM file` });
    }
  };
  const ca = read('TIDEWATER_TLS_CA');
  const creds = ca || env.TIDEWATER_TLS === '1' ? credentials.createSsl(ca, read('TIDEWATER_TLS_CLIENT_KEY'), read('TIDEWATER_TLS_CLIENT_CERT')) : credentials.createInsecure();
  const token = env.TIDEWATER_API_TOKEN ?? (env.TIDEWATER_API_TOKEN_FILE ? readFileSync(env.TIDEWATER_API_TOKEN_FILE, 'utf8').trim() : undefined);
  const bearer: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
  return { credentials: creds, interceptors: token ? [bearer] : [] };
}
