export type { TaskSpec, SourceSpec, DestinationSpec, ObjectSpec, FullOptions, IncrementalOptions, MigrationType, PartitionColumn } from './task-spec.js';
export { DEFAULTS, LIMITS } from './defaults.js';
export { parseTaskSpec, validateTaskSpec, redactSpec } from './parse-task-spec.js';
export { serviceConfigFromEnv, type ServiceConfig } from './service-config.js';
export { secretKeyFromEnv, newSecretKey, sealSpec, openSpec } from './secrets.js';
