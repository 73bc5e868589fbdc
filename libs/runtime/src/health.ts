import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Component } from './lifecycle.js';

export interface HealthReport {
  readonly service: string;
  readonly instance: string;
  readonly status: 'ok' | 'degraded';
  readonly uptimeSeconds: number;
  readonly rssBytes: number;
  /** V8 heap in use; rss − heap ≈ native memory (buffers, DuckDB, driver). */
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly details: Record<string, unknown>;
}

export const healthSubject = (service: string) => `tw.health.${service}`;

/** Answers requests on tw.health.<service> (and tw.health.all) with a HealthReport. */
export function healthResponder(nc: NatsConnection, service: string, instance: string, details: () => Record<string, unknown> = () => ({})): Component {
  const subs: Subscription[] = [];
  const started = Date.now();
  const report = (): HealthReport => ({
    service,
    instance,
    status: 'ok',
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
