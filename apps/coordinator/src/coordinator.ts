import { Server } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { ControlServiceService, DESCRIPTOR_SET_URL } from '@tidewater/proto';
import {
  exclusiveWorkers,
  taskWorkers,
  type Component,
  type ServiceContext,
  type TaskWorker,
} from '@tidewater/runtime';
import { ACTIVE_STAGES, TaskStore, type StoredTask } from '@tidewater/task-state';
import { TidewaterError } from '@tidewater/errors';
import { tracedService } from './grpc-tracing.js';
import { controlService } from './control-service.js';
import { TaskDriver } from './task-driver.js';
import { controlPlaneSecurity } from './control-plane-security.js';
import { taskGauges } from './task-gauges.js';
import { taskAlerts } from './alerts/task-alerts.js';

/** How long open control-plane calls may finish on their own when the coordinator stops. */
const SHUTDOWN_GRACE_MS = 500;

/** Runs a driver for every task that needs one (and whose lease it holds) and serves the control plane. */
export function coordinator(ctx: ServiceContext, grpcAddress: string): Component {
  // Refuses to start before anything else when an exposed address lacks TLS or auth.
  const security = controlPlaneSecurity(grpcAddress);
  const server = new Server({ interceptors: security.interceptors });
  let drivers: Component | undefined;
  let gauges: Component | undefined;
  let alerts: Component | undefined;
  return {
    name: 'coordinator',
    async start(signal) {
      const store = await TaskStore.open(ctx.bus);
      /** A driver ends by itself when its task needs none any more (paused, finished or failed). */
      const drive = async (t: StoredTask): Promise<TaskWorker> => {
        const id = t.state.taskId;
        const driver = new TaskDriver({ bus: ctx.bus, store, log: ctx.log }, id);
        driven.add(id);
        const ended = driver.start().then(() => 'done' as const);
        void ended.finally(() => driven.delete(id)).catch(() => undefined);
        return { ended, stop: () => driver.stop().finally(() => driven.delete(id)) };
      };
      const driven = new Set<string>();
      gauges = taskGauges(ctx, store, driven);
      await gauges.start(signal);
      // An active task is driven by the coordinator holding its lease (key: the task id);
      // others stand by and take over when it stops renewing.
      const start = await exclusiveWorkers(ctx.bus, 'coordinator', ctx.config.instanceId, drive, {
        leaseKey: (taskId) => taskId,
      });
      drivers = taskWorkers('task-drivers', store, ctx.log, (t) => ACTIVE_STAGES.has(t.state.stage), start);
      await drivers.start(signal);
      alerts = taskAlerts(ctx, store);
      await alerts.start(signal);
      server.addService(
        ControlServiceService,
        tracedService(ControlServiceService, controlService({ store, bus: ctx.bus, log: ctx.log })),
      );
      // Server reflection: grpcurl and similar clients work without the .proto files (the
      // token check applies to it like to every call).
      new ReflectionService(loadFileDescriptorSetFromBuffer(readFileSync(DESCRIPTOR_SET_URL))).addToServer(server);
      await new Promise<void>((resolve, reject) =>
        server.bindAsync(grpcAddress, security.credentials, (err) =>
          err
            ? reject(
                new TidewaterError('TW_SPEC_INVALID', `cannot listen on ${grpcAddress}: ${err.message}`, {
                  subject: 'TIDEWATER_GRPC_ADDRESS',
                  fix: 'choose a free address with TIDEWATER_GRPC_ADDRESS=127.0.0.1:PORT',
                }),
              )
            : resolve(),
        ),
      );
      ctx.log.info('control plane listening', { address: grpcAddress, security: security.summary });
    },
    async stop() {
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
      await gauges?.stop();
      await alerts?.stop();
      await drivers?.stop();
    },
  };
}
