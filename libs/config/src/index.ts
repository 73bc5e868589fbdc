export type {
  TaskSpec,
  SourceSpec,
  DestinationSpec,
  ObjectSpec,
  FullOptions,
  IncrementalOptions,
  MigrationType,
  PartitionColumn,
  RetryOptions,
  TableSpec,
  EtlSpec,
  ComputedColumn,
  Capitalization,
  BatchMapping,
  ThrottleOptions,
  HeartbeatOptions,
  SinkOptions,
} from './task-spec.js';
export { SINK_PARTITION_LIMITS, DEFAULT_SINK_PARTITIONS } from './spec-sink.js';
export {
  WEBHOOK_FORMATS,
  type AlertOptions,
  type AlertRules,
  type WebhookFormat,
  type WebhookSpec,
} from './spec-alerts.js';
export { DEFAULTS, taskSpecSchema } from './spec-schema.js';
export { specKeyTable, withSpecTable } from './spec-doc.js';
export { parseTaskSpec, validateTaskSpec, redactSpec } from './parse-task-spec.js';
export { hasTableMapping, MAX_MAPPED_TABLES } from './parse-objects.js';
export { serviceConfigFromEnv, DEFAULT_GRPC_ADDRESS, type ServiceConfig } from './service-config.js';
export { secretKeyFromEnv, newSecretKey, sealSpec, openSpec } from './secrets.js';
export { destinationUrl } from './parse-destination.js';
export { tableNaming, capitalize, selections, type TableNaming } from './naming.js';
export {
  bindHost,
  checkControlPlaneExposure,
  readPemSetting,
  type ControlPlaneExposure,
} from './control-plane-exposure.js';
