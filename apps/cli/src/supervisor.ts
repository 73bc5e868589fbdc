import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
// Absolute, so services start whatever the working directory.
const tsxLoader = pathToFileURL(join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export type ServiceName = 'coordinator' | 'capture' | 'snapshot' | 'transform' | 'sink';

export interface ServiceSpec {
  readonly name: ServiceName;
  readonly instance?: string;
  readonly env?: Record<string, string>;
}

interface Running {
  readonly spec: ServiceSpec;
  child: ChildProcess | undefined;
  restarts: number;
  retired?: boolean;
}

/**
 * Node flags every service runs with (also deploy/Dockerfile). Each batch allocates short-lived
 * rows and buffers; 32 MB young-generation semi-spaces (V8's default tops out at 16 MB) let
 * most of them die before a scavenge (measured: the sink's CPU for 500k rows copied into
 * PostgreSQL fell from 1.6–1.7 s to 1.15–1.2 s).
 */
export const SERVICE_NODE_ARGS = ['--max-semi-space-size=32'];

/**
 * Runs each service as its own child process, as in production: one crashing does not take
 * the others down, and a service that dies is started again (with backoff). Logs of each
 * go to `<logDir>/<instance>.log`.
 */
export class Supervisor {
  private readonly running: Running[] = [];
  private stopping = false;
  private readonly logs = new Map<string, WriteStream>();

  constructor(
    private readonly baseEnv: Record<string, string>,
    readonly logDir: string,
    private readonly onEvent: (msg: string) => void = () => undefined,
  ) {
    mkdirSync(logDir, { recursive: true });
  }

  start(specs: readonly ServiceSpec[]): void {
    for (const spec of specs) {
      const r: Running = { spec, child: undefined, restarts: 0 };
      this.running.push(r);
      this.launch(r);
    }
  }

  /** Kills an instance and does not start it again: a lost machine (tests prove failover). */
  retire(instance: string): void {
    const r = this.running.find((x) => (x.spec.instance ?? x.spec.name) === instance);
    if (!r) return;
    r.retired = true;
    r.child?.kill('SIGKILL');
  }

  /** Pid of a running service instance (tests kill it to prove recovery). */
  pid(instance: string): number | undefined {
    return this.running.find((r) => (r.spec.instance ?? r.spec.name) === instance)?.child?.pid;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const r of [...this.running].reverse()) {
      const child = r.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    for (const l of this.logs.values()) l.end();
  }

  private launch(r: Running): void {
    const instance = r.spec.instance ?? r.spec.name;
    let log = this.logs.get(instance);
    if (!log) {
      log = createWriteStream(join(this.logDir, `${instance}.log`), { flags: 'a' });
      this.logs.set(instance, log);
    }
    // TIDEWATER_NODE_ARGS: extra node flags for every service (heap size, --cpu-prof), after
    // SERVICE_NODE_ARGS so they win.
    const nodeArgs = [...SERVICE_NODE_ARGS, ...(process.env.TIDEWATER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const child = spawn(
      process.execPath,
      [...nodeArgs, '--import', tsxLoader, join(repoRoot, 'apps', r.spec.name, 'src', 'main.ts')],
      {
        cwd: process.cwd(),
        env: {
          ...process.env,
          ...this.baseEnv,
          ...r.spec.env,
          TIDEWATER_INSTANCE: instance,
          TIDEWATER_EXIT_WITH_PARENT: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    r.child = child;
    child.once('exit', (code, signal) => {
      if (this.stopping || r.retired) return;
      r.restarts++;
      const delay = Math.min(10_000, 250 * 2 ** Math.min(r.restarts, 6));
      this.onEvent(`${instance} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => !this.stopping && this.launch(r), delay);
    });
  }
}
