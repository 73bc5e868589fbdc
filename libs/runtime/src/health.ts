import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { TidewaterError } from '@tidewater/errors';
import type { Bus } from '@tidewater/bus';
import { metrics as processMetrics, type Metrics } from '@tidewater/telemetry';
import type { Component } from './lifecycle.js';

export interface HealthReport {
  readonly service: string;
  readonly instance: string;
  readonly status: 'ok' | 'degraded';
  /** Why degraded: the open faults (reporter, error code, redacted message); empty when ok. */
  readonly cause: string;
  readonly uptimeSeconds: number;
  readonly rssBytes: number;
  /** V8 heap in use; rss − heap ≈ native memory (buffers, DuckDB, driver). */
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly details: Record<string, unknown>;
}

export const healthSubject = (service: string) => `tw.health.${service}`;

/** The report's status and cause: degraded while a worker of this process has an open (retrying) fault. */
export function healthStatus(m: Metrics = processMetrics): Pick<HealthReport, 'status' | 'cause'> {
  const open = m.openFaults();
  if (open.length === 0) return { status: 'ok', cause: '' };
  return {
    status: 'degraded',
    cause: open.map((f) => `${f.task} ${f.reporter} retrying: ${f.code} ${f.message}`.slice(0, 500)).join('; '),
  };
}

/** Answers requests on tw.health.<service> (and tw.health.all) with a HealthReport. */
export function healthResponder(
  nc: NatsConnection,
  service: string,
  instance: string,
  details: () => Record<string, unknown> = () => ({}),
  m: Metrics = processMetrics,
): Component {
  const subs: Subscription[] = [];
  const started = Date.now();
  const report = (): HealthReport => ({
    service,
    instance,
    ...healthStatus(m),
    uptimeSeconds: Math.round((Date.now() - started) / 1000),
    ...(() => {
      const m = process.memoryUsage();
      return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
    })(),
    details: details(),
  });
  return {
    name: 'health',
    async start() {
      for (const subject of [healthSubject(service), healthSubject('all')]) {
        subs.push(
          nc.subscribe(subject, {
            callback: (_err, msg) => {
              msg.respond(JSON.stringify(report(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
            },
          }),
        );
      }
    },
    async stop() {
      for (const s of subs) s.unsubscribe();
    },
  };
}

/**
 * Waits until every named instance answers on tw.health.all: a run is ready for work only
 * when its services are subscribed (a request to a sink not yet listening fails at once).
 */
export async function awaitInstances(
  bus: Pick<Bus, 'nc'>,
  instances: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const missing = new Set(instances);
  const deadline = Date.now() + timeoutMs;
  while (missing.size > 0) {
    try {
      for await (const m of await bus.nc.requestMany(healthSubject('all'), '', { maxWait: 500 })) {
        missing.delete((m.json() as HealthReport).instance);
      }
    } catch {
      // No responders yet, or the bus reconnecting: ask again.
    }
    if (missing.size === 0) return;
    if (Date.now() > deadline) {
      throw new TidewaterError(
        'TW_BUS_UNAVAILABLE',
        `services did not answer within ${Math.round(timeoutMs / 1000)} s: ${[...missing].join(', ')}`,
        {
          fix: 'read their logs (the logs directory of the state dir) for why they do not start',
        },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
