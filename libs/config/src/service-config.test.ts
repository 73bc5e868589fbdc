import { describe, expect, it } from 'vitest';
import { DEFAULT_GRPC_ADDRESS, serviceConfigFromEnv } from './service-config.js';

describe('serviceConfigFromEnv', () => {
  it('defaults: loopback control plane, 256MB DuckDB', () => {
    const c = serviceConfigFromEnv('sink', {});
    expect(c.grpcAddress).toBe(DEFAULT_GRPC_ADDRESS);
    expect(c.duckdbMemory).toBe('256MB');
    expect(c.exitWithParent).toBe(false);
    expect(serviceConfigFromEnv('sink', { TIDEWATER_EXIT_WITH_PARENT: '1' }).exitWithParent).toBe(true);
  });

  it('reads the memory limit and control-plane address', () => {
    const c = serviceConfigFromEnv('sink', {
      TIDEWATER_DUCKDB_MEMORY: '1GB',
      TIDEWATER_GRPC_ADDRESS: '0.0.0.0:9000',
    });
    expect(c.duckdbMemory).toBe('1GB');
    expect(c.grpcAddress).toBe('0.0.0.0:9000');
  });

  it('sink instances are identical: the removed index variables mean nothing', () => {
    expect(() => serviceConfigFromEnv('sink', { TIDEWATER_SINK_INDEX: 'x', TIDEWATER_SINK_COUNT: '0' })).not.toThrow();
  });
});

describe('TIDEWATER_METRICS_PORT', () => {
  it('is off unless set, and reads a port', () => {
    expect(serviceConfigFromEnv('sink', {}).metricsPort).toBe(0);
    expect(serviceConfigFromEnv('sink', { TIDEWATER_METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(serviceConfigFromEnv('sink', { TIDEWATER_METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(serviceConfigFromEnv('sink', {}).metricsHost).toBe('0.0.0.0');
  });

  it('rejects what is not a port, naming the variable', () => {
    for (const raw of ['x', '-1', '70000', '9.5']) {
      expect(() => serviceConfigFromEnv('capture', { TIDEWATER_METRICS_PORT: raw })).toThrow(
        new RegExp(`TIDEWATER_METRICS_PORT=${raw.replace('.', '\\.')} is not a port`),
      );
    }
  });
});
