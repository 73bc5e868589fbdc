import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ControlServiceService } from '@tidewater/proto';
import type { Component, ServiceContext } from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskStore } from '@tidewater/task-state';
import type { Stage } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { controlService } from './control-service.js';
import { TaskDriver } from './task-driver.js';

/** Runs a driver for every task that needs one and serves the control plane. */
export function coordinator(ctx: ServiceContext, grpcAddress: string): Component {
  const drivers = new Map<string, TaskDriver>();
  const server = new Server();
  let store: TaskStore;
  const controller = new AbortController();
  const ensureDriver = (taskId: string, stage: Stage) => {
    const wanted = ACTIVE_STAGES.has(stage);
    const d = drivers.get(taskId);
    if (wanted && !d) {
      const driver = new TaskDriver({ bus: ctx.bus, store, log: ctx.log }, taskId);
      drivers.set(taskId, driver);
      driver.start();
    } else if (!wanted && d) {
      drivers.delete(taskId);
      void d.stop();
    }
  };
  return {
    name: 'coordinator',
    async start(signal) {
      signal.addEventListener('abort', () => controller.abort(), { once: true });
      store = await TaskStore.open(ctx.bus);
      await store.watch(controller.signal, (ev) => {
        if ('deleted' in ev) {
          const d = drivers.get(ev.deleted);
          drivers.delete(ev.deleted);
          void d?.stop();
        } else ensureDriver(ev.state.taskId, ev.state.stage);
      });
      server.addService(ControlServiceService, controlService({ store, bus: ctx.bus, log: ctx.log }));
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(grpcAddress, ServerCredentials.createInsecure(), (err) =>
          err
            ? reject(new TidewaterError('TW_SPEC_INVALID', `cannot listen on ${grpcAddress}: ${err.message}`, { subject: 'TIDEWATER_GRPC_ADDRESS', fix: 'choose a free address with TIDEWATER_GRPC_ADDRESS=127.0.0.1:PORT' }))
            : resolve(),
        ),
      );
      ctx.log.info('control plane listening', { address: grpcAddress });
    },
    async stop() {
      controller.abort();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await Promise.allSettled([...drivers.values()].map((d) => d.stop()));
    },
  };
}
