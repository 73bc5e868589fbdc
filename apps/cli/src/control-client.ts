import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { connectivityState, status, type ServiceError } from '@grpc/grpc-js';
import {
  CheckStatus,
  ControlServiceClient,
  type TaskView,
  type PrecheckItem,
  type RunPrecheckResponse,
  type PauseTaskResponse,
  type ResumeTaskResponse,
  type ResyncTableResponse,
  type CreateTaskResponse,
  type GetTaskResponse,
  type ListTasksResponse,
  type StartTaskResponse,
  type StopTaskResponse,
  type DeleteTaskResponse,
  type SetThrottleResponse,
  type Throttle,
  type UpdateTaskResponse,
} from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { clientSecurityFromEnv, type ClientSecurity } from './control-security.js';
import { checkSpecSize, toTidewaterError } from './control-errors.js';

/** A promise-based client of the coordinator's control plane. */
export class ControlClient {
  private readonly client: ControlServiceClient;

  constructor(
    private readonly address: string,
    private readonly security: ClientSecurity = clientSecurityFromEnv(),
  ) {
    this.client = new ControlServiceClient(address, security.credentials, {
      // grpc-js backs reconnects off up to 120 s: a coordinator that took 20 s to listen (a
      // loaded machine) could be missed until past waitReady's deadline. 2 s at most.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
      ...security.options,
      interceptors: security.interceptors,
    });
  }

  /** Waits until the coordinator answers; a TLS control plane met without TLS fails at the first refused connection. */
  async waitReady(timeoutMs: number): Promise<void> {
    const channel = this.client.getChannel();
    const deadline = Date.now() + timeoutMs;
    for (
      let state = channel.getConnectivityState(true);
      state !== connectivityState.READY;
      state = channel.getConnectivityState(true)
    ) {
      if (state === connectivityState.TRANSIENT_FAILURE) {
        const tls = await this.tlsRequired();
        if (tls) throw tls;
      }
      const changed = await new Promise<boolean>((resolve) =>
        channel.watchConnectivityState(state, deadline, (e) => resolve(!e)),
      );
      if (!changed)
        throw new TidewaterError(
          'TW_BUS_UNAVAILABLE',
          `coordinator did not come up at ${this.address} within ${Math.round(timeoutMs / 1000)} s`,
        );
    }
  }

  createTask(spec: string): Promise<TaskView> {
    checkSpecSize(spec);
    return this.call<CreateTaskResponse>((cb) => this.client.createTask({ spec }, cb)).then((r) => r.task!);
  }
  getTask(taskId: string): Promise<TaskView> {
    return this.call<GetTaskResponse>((cb) => this.client.getTask({ taskId }, cb)).then((r) => r.task!);
  }
  listTasks(): Promise<TaskView[]> {
    return this.call<ListTasksResponse>((cb) => this.client.listTasks({}, cb)).then((r) => r.tasks);
  }
  startTask(taskId: string, ignoreWarnings: string[] = []): Promise<TaskView> {
    return this.call<StartTaskResponse>((cb) => this.client.startTask({ taskId, ignoreWarnings }, cb)).then(
      (r) => r.task!,
    );
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
      throw new TidewaterError(
        'TW_PRECHECK_FAILED',
        `task ${taskId} failed its precheck: ${bad.map((i) => `${i.name}: ${i.message}`).join('; ')}`,
        {
          subject: taskId,
          fix: bad.map((i) => i.fix).join('; '),
        },
      );
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
  /** `table` = `database.table`; empty = every table (and purged-binlog recovery). */
  resyncTable(taskId: string, table: string): Promise<TaskView> {
    return this.call<ResyncTableResponse>((cb) => this.client.resyncTable({ taskId, table }, cb)).then((r) => r.task!);
  }
  stopTask(taskId: string): Promise<TaskView> {
    return this.call<StopTaskResponse>((cb) => this.client.stopTask({ taskId }, cb)).then((r) => r.task!);
  }
  setThrottle(taskId: string, throttle: Throttle): Promise<TaskView> {
    return this.call<SetThrottleResponse>((cb) => this.client.setThrottle({ taskId, throttle }, cb)).then(
      (r) => r.task!,
    );
  }
  /** Replaces the spec of a task that is not running; answers with the keys that changed. */
  updateTask(taskId: string, spec: string): Promise<{ task: TaskView; changed: string[] }> {
    checkSpecSize(spec);
    return this.call<UpdateTaskResponse>((cb) => this.client.updateTask({ taskId, spec }, cb)).then((r) => ({
      task: r.task!,
      changed: r.changed,
    }));
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
      call.on('error', (e: ServiceError) => (signal.aborted ? resolve() : reject(toTidewaterError(e, this.address))));
    });
  }

  close(): void {
    this.client.close();
  }

  private call<T>(fn: (cb: (e: ServiceError | null, r: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) =>
      fn((e, r) => {
        if (!e) return resolve(r);
        // An answer with our code came from a coordinator: the connection itself is fine.
        if (e.code !== status.UNAVAILABLE || e.metadata?.get('tw-error-code').length)
          return reject(toTidewaterError(e, this.address));
        void this.tlsRequired().then((tls) => reject(tls ?? toTidewaterError(e, this.address)));
      }),
    );
  }

  /**
   * A plaintext client meeting a TLS control plane sees only dropped connections (grpc says
   * "UNAVAILABLE"): the port is asked for a TLS handshake to tell the user what is wrong.
   */
  private async tlsRequired(): Promise<TidewaterError | undefined> {
    if (this.security.tls) return undefined;
    const i = this.address.lastIndexOf(':');
    const host = this.address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
    const port = Number(this.address.slice(i + 1));
    if (i < 0 || !Number.isInteger(port)) return undefined;
    const speaksTls = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({
        host,
        port,
        servername: isIP(host) ? undefined : host,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
      });
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(5_000, () => done(false));
      socket.once('secureConnect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (!speaksTls) return undefined;
    return new TidewaterError(
      'TW_TLS_REQUIRED',
      `the control plane at ${this.address} requires TLS; this client connected without it`,
      {
        subject: this.address,
        fix: "set TIDEWATER_TLS_CA to the CA that signed the coordinator's certificate (a self-signed certificate: the certificate itself, e.g. a copy of its cert.pem)",
      },
    );
  }
}
