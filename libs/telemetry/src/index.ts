export { startTracing, type Tracing, type TracingOptions } from './tracing.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
