import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import {
  connectivityState,
  credentials,
  InterceptingCall,
  status,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  CheckStatus,
  ControlServiceClient,
  type TaskView,
  type PrecheckItem,
  type RunPrecheckResponse,
  type PauseTaskResponse,
  type ResumeTaskResponse,
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
import { TidewaterError, ErrorCodes, type ErrorCode } from '@tidewater/errors';

/** A promise-based client of the coordinator's control plane. */
export class ControlClient {
  private readonly client: ControlServiceClient;

  constructor(
    private readonly address: string,
    private readonly security: ClientSecurity = clientSecurityFromEnv(),
  ) {
    this.client = new ControlServiceClient(address, security.credentials, {
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

/** gRPC's default receive limit, which the coordinator keeps, less the request's own framing. */
const MAX_SPEC_BYTES = 4 * 1024 * 1024 - 16;

/** A larger spec would be cut off by the transport with no word of which limit it hit. */
function checkSpecSize(spec: string): void {
  const bytes = Buffer.byteLength(spec);
  if (bytes <= MAX_SPEC_BYTES) return;
  throw new TidewaterError(
    'TW_SPEC_INVALID',
    `the task spec is ${(bytes / 1024 / 1024).toFixed(1)} MiB; the control plane accepts at most 4 MiB`,
    {
      subject: 'task spec',
      fix: 'select whole databases (objects: [{ database: x }], with exclude: and mapping: rules) instead of listing tables one by one, or split the task',
    },
  );
}

function toTidewaterError(e: ServiceError, address: string): TidewaterError {
  const code = e.metadata?.get('tw-error-code')?.[0];
  if (code === undefined) {
    // No answer from a coordinator: the connection or the transport failed.
    if (e.code === status.UNAVAILABLE || e.code === status.CANCELLED) {
      return new TidewaterError(
        'TW_BUS_UNAVAILABLE',
        `the control plane at ${address} stopped answering (${e.details || e.message})`,
        {
          subject: address,
          fix: 'check that its coordinator runs (tidewater up, or the tidewater migrate run that printed this address), then run the command again',
        },
      );
    }
    return new TidewaterError(
      'TW_UNCLASSIFIED',
      `the control plane at ${address} answered gRPC ${status[e.code] ?? e.code}: ${e.details || e.message}`,
      { subject: address },
    );
  }
  const known = String(code) in ErrorCodes ? (String(code) as ErrorCode) : 'TW_INTERNAL';
  const fix = String(e.metadata?.get('tw-error-fix')?.[0] ?? '');
  return new TidewaterError(known, (e.details || e.message).replace(/^TW_[A-Z_]+: /, ''), fix ? { fix } : {});
}

export interface ClientSecurity {
  readonly credentials: ChannelCredentials;
  readonly interceptors: Interceptor[];
  /** Whether the channel speaks TLS. */
  readonly tls: boolean;
  readonly options?: ChannelOptions;
}

/**
 * TLS when TIDEWATER_TLS_CA is set (the CA that signed the coordinator's certificate;
 * TIDEWATER_TLS_CLIENT_CERT/KEY add a client certificate for mTLS), and the bearer token
 * from TIDEWATER_API_TOKEN(_FILE) on every call.
 */
export function clientSecurityFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  own?: { roots: Buffer; name?: string },
): ClientSecurity {
  const read = (name: string): Buffer | null => {
    const file = env[name];
    if (!file) return null;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new TidewaterError('TW_SPEC_INVALID', `cannot read ${name} ${file}: ${(e as NodeJS.ErrnoException).code}`, {
        subject: name,
        fix: `point ${name} at a readable PEM file`,
      });
    }
  };
  const ca = read('TIDEWATER_TLS_CA') ?? own?.roots ?? null;
  const tls = Boolean(ca || env.TIDEWATER_TLS === '1');
  const creds = tls
    ? credentials.createSsl(ca, read('TIDEWATER_TLS_CLIENT_KEY'), read('TIDEWATER_TLS_CLIENT_CERT'))
    : credentials.createInsecure();
  const token =
    env.TIDEWATER_API_TOKEN ??
    (env.TIDEWATER_API_TOKEN_FILE ? readFileSync(env.TIDEWATER_API_TOKEN_FILE, 'utf8').trim() : undefined);
  const bearer: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
  return {
    credentials: creds,
    interceptors: token ? [bearer] : [],
    tls,
    options: own?.name ? { 'grpc.ssl_target_name_override': own.name } : {},
  };
}

/**
 * The client `tidewater up`/`migrate` use for the coordinator they started. It comes in over
 * loopback, which the certificate need not name: it trusts the certificate the coordinator
 * serves (TIDEWATER_TLS_CERT, besides TIDEWATER_TLS_CA or the system's CAs) and checks it under
 * a name the certificate holds.
 */
export function localClientSecurity(env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  const certFile = env.TIDEWATER_TLS_CERT;
  if (!certFile) return clientSecurityFromEnv(env);
  let chain: Buffer;
  try {
    chain = readFileSync(certFile);
  } catch (e) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `cannot read TIDEWATER_TLS_CERT ${certFile}: ${(e as NodeJS.ErrnoException).code}`,
      { subject: 'TIDEWATER_TLS_CERT', fix: 'point TIDEWATER_TLS_CERT at a readable PEM file' },
    );
  }
  const cert = new X509Certificate(chain);
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((n) => /^(?:DNS|IP Address):(.+)$/.exec(n)?.[1])
    .filter((n): n is string => Boolean(n));
  const name = names[0] ?? /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return clientSecurityFromEnv(env, { roots: Buffer.from([chain.toString(), ...rootCertificates].join('\n')), name });
}
