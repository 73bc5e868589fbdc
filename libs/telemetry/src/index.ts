export { startTracing, type Tracing, type TracingOptions } from './tracing.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
export { Metrics, metrics, METRIC_PREFIX, type Direction, type OpenFault } from './metrics.js';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.js';
export { inSpan } from './spans.js';
