export { connectBus, describeBus, type Bus, type BusDescription } from './connection.js';
export {
  STREAMS,
  HEADERS,
  subjects,
  KV_BUCKETS,
  durables,
  DEDUP_WINDOW_NS,
  MAX_MESSAGE_BYTES,
  ensureTopology,
  purgeTask,
} from './topology.js';
export { BatchPublisher, type PublishOptions } from './publisher.js';
export {
  ensureConsumer,
  consumeLoop,
  workLoop,
  type DurableSpec,
  type MessageHandler,
  type ConsumeLoopOptions,
} from './consumer.js';
export { openKv, isRevisionConflict, type KV, type KvEntry } from './kv.js';
export { injectTrace, extractTrace } from './trace-headers.js';
export type { JsMsg } from '@nats-io/jetstream';
export { type LoopOptions } from './connection.js';
export { messageIds } from './message-ids.js';
export { consumerSpecs } from './consumer-specs.js';
export { publishProgress } from './progress.js';
export { consumerBacklogs, type ConsumerBacklog } from './backlog.js';
export { requestSinkResync, serveSinkResync, type SinkResync } from './sink-resync.js';
export {
  requestSinkSchema,
  requestSinkInspect,
  serveSinkControl,
  type DestinationFacts,
  type SinkControlHandlers,
} from './sink-control.js';
export {
  warehouseKey,
  requestWarehouseQuery,
  requestWarehouseExport,
  serveWarehouseReads,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_EXPORT_TIMEOUT_MS,
  type Cell,
  type WarehouseRows,
  type WarehouseQuery,
  type WarehouseExport,
  type WarehouseTarget,
  type WarehouseReadHandlers,
} from './warehouse-query.js';
