import { describe, expect, it } from 'vitest';
import { DEFAULT_GRPC_ADDRESS, serviceConfigFromEnv } from './service-config.js';

describe('serviceConfigFromEnv', () => {
  it('defaults: loopback control plane, one sink, 256MB DuckDB', () => {
    const c = serviceConfigFromEnv('sink', {});
    expect(c.grpcAddress).toBe(DEFAULT_GRPC_ADDRESS);
    expect(c.sinkAssignment).toEqual({ index: 0, count: 1 });
    expect(c.duckdbMemory).toBe('256MB');
    expect(c.exitWithParent).toBe(false);
    expect(serviceConfigFromEnv('sink', { TIDEWATER_EXIT_WITH_PARENT: '1' }).exitWithParent).toBe(true);
  });

  it('reads the sink assignment and memory limit', () => {
    const c = serviceConfigFromEnv('sink', {
      TIDEWATER_SINK_INDEX: '2',
      TIDEWATER_SINK_COUNT: '3',
      TIDEWATER_DUCKDB_MEMORY: '1GB',
      TIDEWATER_GRPC_ADDRESS: '0.0.0.0:9000',
    });
    expect(c.sinkAssignment).toEqual({ index: 2, count: 3 });
    expect(c.duckdbMemory).toBe('1GB');
    expect(c.grpcAddress).toBe('0.0.0.0:9000');
  });

  it('rejects a sink assignment that is not 0 ≤ index < count, naming the variable', () => {
    expect(() => serviceConfigFromEnv('sink', { TIDEWATER_SINK_INDEX: 'x' })).toThrow(
      /TIDEWATER_SINK_INDEX=x is not an integer/,
    );
    expect(() => serviceConfigFromEnv('sink', { TIDEWATER_SINK_INDEX: '-1' })).toThrow(/TIDEWATER_SINK_INDEX=-1/);
    expect(() => serviceConfigFromEnv('sink', { TIDEWATER_SINK_COUNT: '0' })).toThrow(
      /TIDEWATER_SINK_COUNT=0 is not an integer ≥ 1/,
    );
    expect(() => serviceConfigFromEnv('sink', { TIDEWATER_SINK_INDEX: '2', TIDEWATER_SINK_COUNT: '2' })).toThrow(
      /TIDEWATER_SINK_INDEX=2 is not below TIDEWATER_SINK_COUNT=2/,
    );
  });

  it('other services ignore the sink variables', () => {
    expect(serviceConfigFromEnv('capture', { TIDEWATER_SINK_INDEX: 'x' }).sinkAssignment).toEqual({
      index: 0,
      count: 1,
    });
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
