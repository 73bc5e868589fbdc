import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, waitFor } from '@tidewater/testkit';
import type { Launch } from './deploy-manifests.js';

// Starts a deploy/ container's command as a local process from the repository, changing only
// what cannot exist on this machine: container host names, container paths, colliding ports.

/** What stands in for what a container would have. */
export interface Stand {
  /** `host:port` of a container (nats:4222) → the local server's `127.0.0.1:port`. */
  readonly hosts: Readonly<Record<string, string>>;
  /** A container path (compose bind mount target) → a local directory. */
  readonly paths: Readonly<Record<string, string>>;
  /** Host names that exist only in the container network: no `host:port` of them may survive localizing. */
  readonly containerHosts: readonly string[];
  /** Where k8s secret volumes are written. */
  readonly dir: string;
}

/** One started service process with the ports it really listens on. */
export interface Running {
  readonly launch: Launch;
  readonly name: string;
  /** TIDEWATER_METRICS_PORT as the manifest declares it, and the port it got here. */
  readonly declaredMetricsPort: number;
  readonly metricsPort: number;
  /** The control plane's local port (coordinator only). */
  readonly grpcPort?: number;
  readonly env: Readonly<Record<string, string>>;
  readonly log: string;
  readonly child: ChildProcess;
}

const started = new Set<ChildProcess>();
// A crashed test run must not leave services behind.
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

/** The launch's environment with container-only names swapped for local ones; throws if one is left. */
export async function localize(launch: Launch, stand: Stand, name: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const mounts: Record<string, string> = { ...stand.paths };
  for (const [mountPath, files] of Object.entries(launch.files)) {
    const dir = join(stand.dir, name, mountPath.replace(/\W+/g, '_'));
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content, { mode: 0o600 });
    mounts[mountPath] = dir;
  }
  for (const [k, raw] of Object.entries(launch.env)) {
    let v = raw;
    for (const [from, to] of Object.entries(stand.hosts)) v = v.split(from).join(to);
    for (const [from, to] of Object.entries(mounts))
      if (v === from || v.startsWith(`${from}/`)) v = to + v.slice(from.length);
    env[k] = v;
  }
  // Listening ports: every service of a compose file or a pod uses the same ones; here they share one host.
  if (env.TIDEWATER_METRICS_PORT) env.TIDEWATER_METRICS_PORT = String(await freePort());
  if (env.TIDEWATER_GRPC_ADDRESS) {
    const host = env.TIDEWATER_GRPC_ADDRESS.slice(0, env.TIDEWATER_GRPC_ADDRESS.lastIndexOf(':'));
    env.TIDEWATER_GRPC_ADDRESS = `${host}:${await freePort()}`;
  }
  for (const [k, v] of Object.entries(env)) {
    const left = stand.containerHosts.find((h) => new RegExp(`(^|//|@)${h}:\\d`).test(v));
    if (left) throw new Error(`${name}: ${k}=${v} still names container host ${left}: add it to the stand-ins`);
  }
  return env;
}

/** Starts `launch` in the repository root (the image's WORKDIR holds the same tree). */
export async function startLaunch(launch: Launch, stand: Stand, name: string): Promise<Running> {
  const env = await localize(launch, stand, name);
  const log = join(stand.dir, `${name}.log`);
  const fd = openSync(log, 'a');
  // Only what a container has besides its manifest's environment: a PATH to node and a HOME.
  const child = spawn(launch.argv[0]!, launch.argv.slice(1), {
    cwd: resolve('.'),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOSTNAME: name, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  started.add(child);
  child.once('exit', () => started.delete(child));
  const grpc = env.TIDEWATER_GRPC_ADDRESS;
  return {
    launch,
    name,
    declaredMetricsPort: Number(launch.env.TIDEWATER_METRICS_PORT),
    metricsPort: Number(env.TIDEWATER_METRICS_PORT),
    grpcPort: grpc ? Number(grpc.slice(grpc.lastIndexOf(':') + 1)) : undefined,
    env,
    log,
    child,
  };
}

const tail = (log: string) => readFileSync(log, 'utf8').split('\n').slice(-15).join('\n');

/** GET a path of the service's metrics endpoint. */
export async function httpGet(r: Running, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${r.metricsPort}${path}`);
  return { status: res.status, body: await res.text() };
}

/** Waits for 200 on /readyz; a process that exits first fails at once, with its log's tail. */
export async function untilReady(r: Running, timeoutMs: number): Promise<void> {
  const outcome = await waitFor(
    async () => {
      if (r.child.exitCode !== null) return 'exited';
      return (await httpGet(r, '/readyz')).status === 200 && 'ready';
    },
    { timeoutMs, intervalMs: 250, what: `${r.name} ready on /readyz (log ${r.log})` },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${tail(r.log)}`);
  });
  if (outcome === 'exited')
    throw new Error(`${r.name} exited ${r.child.exitCode} before it was ready:\n${tail(r.log)}`);
}

/** SIGTERM, then the exit code (SIGKILL after `graceMs`: then null). */
export async function stopRunning(r: Running, graceMs = 20_000): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  return new Promise((resolveExit) => {
    const t = setTimeout(() => r.child.kill('SIGKILL'), graceMs);
    r.child.once('exit', (code) => {
      clearTimeout(t);
      resolveExit(code);
    });
    r.child.kill('SIGTERM');
  });
}
