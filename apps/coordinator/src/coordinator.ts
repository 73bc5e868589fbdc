import { Server } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { ControlServiceService, DESCRIPTOR_SET_URL } from '@tidewater/proto';
import type { Component, ServiceContext } from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskLeases, TaskStore } from '@tidewater/task-state';
import type { Stage } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { controlService } from './control-service.js';
import { TaskDriver } from './task-driver.js';
import { controlPlaneSecurity } from './control-plane-security.js';

const LEASE_MS = 15_000;
/** How long open control-plane calls may finish on their own when the coordinator stops. */
const SHUTDOWN_GRACE_MS = 500;

/** Runs a driver for every task that needs one (and whose lease it holds) and serves the control plane. */
export function coordinator(ctx: ServiceContext, grpcAddress: string): Component {
  const drivers = new Map<string, TaskDriver>();
  /** Drivers being stopped: a new driver for the task starts only after the old one stopped and released its lease. */
  const stopping = new Map<string, Promise<void>>();
  /** Active tasks: driven here when this coordinator holds their lease. */
  const active = new Set<string>();
  // Refuses to start before anything else when an exposed address lacks TLS or auth.
  const security = controlPlaneSecurity(grpcAddress);
  const server = new Server({ interceptors: security.interceptors });
  let store: TaskStore;
  let leases: TaskLeases;
  let renewal: NodeJS.Timeout | undefined;
  const controller = new AbortController();
  const stopDriver = (taskId: string) => {
    const d = drivers.get(taskId);
    drivers.delete(taskId);
    const previous = stopping.get(taskId);
    const done = (async () => {
      await previous;
      await d?.stop();
      // Released only while no newer driver holds it (its renewal would be deleted).
      if (!drivers.has(taskId)) await leases.release(taskId);
    })().catch((e: unknown) => ctx.log.warn('driver stop failed', { task: taskId, err: e }));
    stopping.set(taskId, done);
    void done.then(() => {
      if (stopping.get(taskId) === done) stopping.delete(taskId);
    });
  };
  /** Starts, keeps or stops the drivers of active tasks according to the leases. */
  const reconcile = async (taskId: string) => {
    if (!active.has(taskId)) return stopDriver(taskId);
    await stopping.get(taskId);
    const held = await leases.acquire(taskId);
    if (held && !drivers.has(taskId) && !stopping.has(taskId) && active.has(taskId)) {
      const driver = new TaskDriver({ bus: ctx.bus, store, log: ctx.log }, taskId);
      drivers.set(taskId, driver);
      // A driver that ended on its own (the task paused, finished or failed) leaves the map,
      // so the next reconcile can start a new one if the task is active again.
      void driver.start().then(() => {
        if (drivers.get(taskId) === driver) drivers.delete(taskId);
      });
    } else if (!held && drivers.has(taskId)) {
      ctx.log.warn('lease lost: another coordinator drives the task', { task: taskId });
      stopDriver(taskId);
    }
  };
  const ensureDriver = (taskId: string, stage: Stage) => {
    if (ACTIVE_STAGES.has(stage)) active.add(taskId);
    else active.delete(taskId);
    void reconcile(taskId).catch((e: unknown) => ctx.log.warn('lease check failed', { task: taskId, err: e }));
  };
  return {
    name: 'coordinator',
    async start(signal) {
      signal.addEventListener('abort', () => controller.abort(), { once: true });
      store = await TaskStore.open(ctx.bus);
      leases = await TaskLeases.open(ctx.bus, ctx.config.instanceId, LEASE_MS);
      await store.watch(controller.signal, (ev) => {
        if ('deleted' in ev) {
          active.delete(ev.deleted);
          stopDriver(ev.deleted);
        } else ensureDriver(ev.state.taskId, ev.state.stage);
      });
      // Renew held leases and take over tasks whose coordinator stopped renewing.
      renewal = setInterval(() => {
        for (const id of active) void reconcile(id).catch((e: unknown) => ctx.log.warn('lease renewal failed', { task: id, err: e }));
      }, LEASE_MS / 3);
      server.addService(ControlServiceService, controlService({ store, bus: ctx.bus, log: ctx.log }));
      // Server reflection: grpcurl and similar clients work without the .proto files (the
      // token check applies to it like to every call).
      new ReflectionService(loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_URL))).addToServer(server);
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(grpcAddress, security.credentials, (err) =>
          err
            ? reject(new TidewaterError('TW_SPEC_INVALID', `cannot listen on ${grpcAddress}: ${err.message}`, { subject: 'TIDEWATER_GRPC_ADDRESS', fix: 'choose a free address with TIDEWATER_GRPC_ADDRESS=127.0.0.1:PORT' }))
            : resolve(),
        ),
      );
      ctx.log.info('control plane listening', { address: grpcAddress, security: security.summary });
    },
    async stop() {
      clearInterval(renewal);
      active.clear();
      controller.abort();
      // A WatchTask stream (`task status --watch`) never ends on its own, and a graceful
      // shutdown waits for every open call: it would hold the stop until the service's stop
      // deadline. Calls still open after a short grace are cut; their clients see UNAVAILABLE.
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      });
      for (const id of [...drivers.keys()]) stopDriver(id);
      await Promise.allSettled(stopping.values());
    },
  };
}
