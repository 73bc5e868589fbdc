import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric name carries this prefix; prom-client's process metrics too. */
export const METRIC_PREFIX = 'tidewater_';

/** Which side of the pipeline a row count is taken on. */
export type Direction = 'read' | 'written';

/** A fault a worker of this process reports as open (retrying), for the health answers. */
export interface OpenFault {
  readonly task: string;
  readonly reporter: string;
  readonly code: string;
  /** Redacted by the reporter (no secret reaches it). */
  readonly message: string;
}

/**
 * The metrics of one service process — every metric name lives here (docs/operations.md,
 * "Metrics and health"). Labels stay bounded: task ids, `db.table` names, stage and
 * reporter names, error codes; never row values or secrets.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Rows read from the source (snapshot, capture) or written to the destination (sink). */
  readonly rows = new Counter({
    name: 'tidewater_rows_total',
    help: 'Rows read from the source or written to the destination, per task, source table (db.table) and stage',
    labelNames: ['task', 'table', 'stage', 'direction'] as const,
    registers: [this.registry],
  });
  /** Encoded batch bytes of those rows. */
  readonly bytes = new Counter({
    name: 'tidewater_bytes_total',
    help: 'Encoded batch bytes read from the source or written to the destination, per task, table and stage',
    labelNames: ['task', 'table', 'stage', 'direction'] as const,
    registers: [this.registry],
  });
  /** How long the sink's destination commit of one batch took. */
  readonly batchCommit = new Histogram({
    name: 'tidewater_batch_commit_seconds',
    help: 'Sink destination commit latency of one batch (a chunk into _base or change rows into _log)',
    labelNames: ['task', 'stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /** Sink: how long a batch took from its producer (snapshot, capture) to its commit in the destination. */
  readonly batchLatency = new Histogram({
    name: 'tidewater_batch_latency_seconds',
    help: 'Time from a batch made by snapshot or capture to its commit in the destination (bus, transform, queueing and commit)',
    labelNames: ['task', 'stage'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  /** Coordinator: the age of what the destination lacks (lagOf). */
  readonly lag = new Gauge({
    name: 'tidewater_replication_lag_seconds',
    help: 'Replication lag of a task in the incremental stage: source commit time to applied in the destination',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });
  /** Coordinator: the binlog position up to which every sink partition committed (P2). */
  readonly appliedPosition = new Gauge({
    name: 'tidewater_applied_binlog_position',
    help: 'Applied position of a task: the offset in the binlog file (label) up to which every change is in the destination',
    labelNames: ['task', 'file'] as const,
    registers: [this.registry],
  });
  /** Coordinator: the source commit time the destination is current as of. */
  readonly appliedSourceTime = new Gauge({
    name: 'tidewater_applied_source_timestamp_seconds',
    help: 'Source commit time (Unix seconds) of the newest change every sink partition of a task has applied',
    labelNames: ['task'] as const,
    registers: [this.registry],
  });
  /** Coordinator: per durable consumer of a task, messages waiting (not yet delivered). */
  readonly consumerPending = new Gauge({
    name: 'tidewater_consumer_pending_messages',
    help: 'Messages of a task waiting for a consumer (snapshot, transform, sink-<partition>, coordinator), not yet delivered',
    labelNames: ['task', 'consumer'] as const,
    registers: [this.registry],
  });
  readonly consumerAckPending = new Gauge({
    name: 'tidewater_consumer_ack_pending_messages',
    help: 'Messages of a task delivered to a consumer and not yet acknowledged (in flight or held, e.g. a chunk being assembled)',
    labelNames: ['task', 'consumer'] as const,
    registers: [this.registry],
  });
  /** Sink: the partitions of a task this sink instance owns (holds the lease of). */
  readonly sinkPartitionsOwned = new Gauge({
    name: 'tidewater_sink_partitions_owned',
    help: 'Sink partitions of a task this sink instance owns (holds the lease of)',
    labelNames: ['task', 'sink'] as const,
    registers: [this.registry],
  });
  readonly faults = new Counter({
    name: 'tidewater_faults_total',
    help: 'Failures reported to a task by a retrying worker of this process, per reporter and error code',
    labelNames: ['task', 'reporter', 'code'] as const,
    registers: [this.registry],
  });
  readonly openFaultsGauge = new Gauge({
    name: 'tidewater_open_faults',
    help: 'Faults of this process still open (retrying, not yet recovered)',
    registers: [this.registry],
  });
  /** Coordinator: full-copy rows committed per table. */
  readonly fullRowsDone = new Gauge({
    name: 'tidewater_full_rows_done',
    help: 'Full-copy rows committed to the destination per task and source table',
    labelNames: ['task', 'table'] as const,
    registers: [this.registry],
  });
  /** Coordinator: the source's estimate of a table's rows (planning the full copy). */
  readonly fullRowsEstimated = new Gauge({
    name: 'tidewater_full_rows_estimated',
    help: 'Source estimate of the rows per task and source table, for the full copy',
    labelNames: ['task', 'table'] as const,
    registers: [this.registry],
  });
  /** Coordinator: a task's alert rules (spec `alerts`), 1 while firing. */
  readonly alertsFiring = new Gauge({
    name: 'tidewater_alerts_firing',
    help: 'Alert rules of a task (spec alerts.rules): 1 while the alert fires, 0 otherwise',
    labelNames: ['task', 'rule'] as const,
    registers: [this.registry],
  });
  /** Coordinator: 1 for each task's current stage (and its error code, e.g. paused by DDL). */
  readonly taskStage = new Gauge({
    name: 'tidewater_task_stage',
    help: "1 for a task's current stage (created, prechecked, schema, full, incremental, completed, paused, failed, stopped), with its error code when it has one",
    labelNames: ['task', 'stage', 'code'] as const,
    registers: [this.registry],
  });
  private readonly open = new Map<string, OpenFault>();

  constructor(o: { processMetrics?: boolean } = {}) {
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** Counts rows and their bytes read or written for a table. */
  countRows(
    labels: { task: string; table: string; stage: string; direction: Direction },
    rows: number,
    bytes: number,
  ): void {
    if (rows > 0) this.rows.inc(labels, rows);
    if (bytes > 0) this.bytes.inc(labels, bytes);
  }

  /** A worker's retrying failure: counted, and open until `faultRecovered`. */
  faultFailed(f: OpenFault): void {
    this.faults.inc({ task: f.task, reporter: f.reporter, code: f.code });
    this.open.set(`${f.task}\u0000${f.reporter}`, f);
    this.openFaultsGauge.set(this.open.size);
  }

  faultRecovered(task: string, reporter: string): void {
    this.open.delete(`${task}\u0000${reporter}`);
    this.openFaultsGauge.set(this.open.size);
  }

  openFaults(): OpenFault[] {
    return [...this.open.values()];
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The metrics of this process: every service module counts into it. */
export const metrics = new Metrics();
