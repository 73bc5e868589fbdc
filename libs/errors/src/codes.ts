/**
 * Stable error codes. A code never changes meaning once released; each carries the cause
 * and the fix in words, and whether retrying can help. Retry decisions read `retriable`,
 * never the message text.
 */
export interface ErrorCodeInfo {
  readonly retriable: boolean;
  /** gRPC status code name the control plane answers with. */
  readonly grpc:
    | 'INVALID_ARGUMENT'
    | 'NOT_FOUND'
    | 'ALREADY_EXISTS'
    | 'FAILED_PRECONDITION'
    | 'UNAVAILABLE'
    | 'PERMISSION_DENIED'
    | 'UNAUTHENTICATED'
    | 'INTERNAL'
    | 'ABORTED';
  readonly description: string;
}

export const ErrorCodes = {
  TW_SPEC_INVALID: {
    retriable: false,
    grpc: 'INVALID_ARGUMENT',
    description:
      'The task spec is malformed: an unknown key, a wrong type or a missing value. The message names the key; docs/task-spec.md lists every key.',
  },
  TW_EXPRESSION_INVALID: {
    retriable: false,
    grpc: 'INVALID_ARGUMENT',
    description:
      "A row filter or ETL expression is not a plain expression over the table's columns (statements, comments, subqueries, variables and unknown functions are refused). docs/expressions.md lists what is supported.",
  },
  TW_SOURCE_UNREACHABLE: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description:
      'The source database did not answer. Check host, port and that the server runs and accepts TCP connections from this machine.',
  },
  TW_SOURCE_AUTH: {
    retriable: false,
    grpc: 'PERMISSION_DENIED',
    description:
      'The source refused the user or password. Fix source.user / source.password (or the URL) in the task spec.',
  },
  TW_SOURCE_PRIVILEGES: {
    retriable: false,
    grpc: 'PERMISSION_DENIED',
    description:
      'The source account lacks a privilege Tidewater needs (SELECT, REPLICATION SLAVE, REPLICATION CLIENT). GRANT them to the account.',
  },
  TW_SOURCE_QUERY: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description:
      'A query on the source failed for a reason other than connectivity (lock wait, server gone away mid-query).',
  },
  TW_SOURCE_TLS: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'TLS to the source failed: the server offers no TLS while source.tls.mode requires it, its certificate does not chain to source.tls.ca, or it does not name the source host (verify-full). Enable TLS on the server, or fix source.tls (docs/operations.md, Source TLS).',
  },
  TW_OBJECT_NOT_FOUND: {
    retriable: false,
    grpc: 'NOT_FOUND',
    description:
      'A database or table selected in the task spec does not exist on the source. Fix the objects list or create the object.',
  },
  TW_NO_ROW_KEY: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'A table has neither a PRIMARY KEY nor a UNIQUE key whose columns are all NOT NULL; rows could not be identified. Add a primary key.',
  },
  TW_BINLOG_CONFIG: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'The source binlog settings do not allow change capture (log_bin, binlog_format=ROW, binlog_row_image=FULL). Change the server settings.',
  },
  TW_BINLOG_PURGED: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "The source no longer has the binlog at the task's resume position (purged, or the source refuses the position: server error 1236). The changes since then cannot be read: resync the tables (tidewater task resync ID --all) or recreate the task, and raise binlog retention (docs/operations.md).",
  },
  TW_BINLOG_RESET: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "The source's binlog history no longer continues the task's resume position: RESET MASTER, or a restore, rewound its files and GTIDs. The changes since the checkpoint cannot be located: resync the tables (tidewater task resync ID --all) or recreate the task.",
  },
  TW_SOURCE_CHANGED: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "The source is another server than the one the task's resume position was taken on (a failover) and the position cannot be carried over: no GTIDs were recorded or GTID mode is off, or the new server lacks transactions the task already applied. Point the task at a caught-up server, or resync the tables (tidewater task resync ID --all).",
  },
  TW_BUS_UNAVAILABLE: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description:
      'The NATS JetStream bus is unreachable or refused an operation. Check the NATS URL and that the server runs with -js.',
  },
  TW_BUS_MESSAGE_TOO_LARGE: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "NATS refused a message as larger than it accepts (the server's max_payload or the stream's max_msg_size). Batches larger than the limit are sent in fragments, so the server limit is below what the services were told: set max_payload: 8MB in the NATS configuration (deploy/nats.conf) and resume, or exclude the large column via ETL.",
  },
  TW_DEST_WRITE: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description: 'The destination refused or failed a write. The batch was not acknowledged and will be retried.',
  },
  TW_PARTITION_LOST: {
    retriable: false,
    grpc: 'ABORTED',
    description:
      'A sink wrote to a sink partition whose lease another sink instance has taken since (invariant P3). The write was refused and nothing was acknowledged; this instance stops that partition and the new owner carries on. Not a task fault.',
  },
  TW_DEST_CONFLICT: {
    retriable: false,
    grpc: 'ALREADY_EXISTS',
    description:
      'A destination table already exists and the conflicting-table mode is "precheck". Drop or rename it, or set conflictMode: ignore.',
  },
  TW_UNSUPPORTED_DDL: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'A DDL statement other than appending columns ran on a migrated table, and the task paused. The statement stays in the binlog, so resuming pauses again on it: create a new task (schema, full and incremental).',
  },
  TW_DDL_DURING_FULL: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "A table's columns changed (added, dropped or retyped) while its full copy ran, and the task failed rather than copy rows of another shape into <table>_base. DDL during the full copy is not supported, as in DTS: recreate the task, or start it again once the schema is stable.",
  },
  TW_UNSUPPORTED_TYPE: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description: 'A source column type has no lossless mapping. docs/type-mapping.md lists the supported types.',
  },
  TW_TASK_NOT_FOUND: {
    retriable: false,
    grpc: 'NOT_FOUND',
    description: 'No task with this id exists. List tasks with `tidewater task list`.',
  },
  TW_UNAUTHENTICATED: {
    retriable: false,
    grpc: 'UNAUTHENTICATED',
    description:
      'The control plane requires a bearer token (or a client certificate) and the call had none or a wrong one. Set TIDEWATER_API_TOKEN for the client.',
  },
  TW_TLS_REQUIRED: {
    retriable: false,
    grpc: 'UNAVAILABLE',
    description:
      "The control plane speaks TLS and the client connected without it. Set TIDEWATER_TLS_CA for the client to the CA that signed the coordinator's certificate (a self-signed certificate: the certificate itself).",
  },
  TW_RETRY_EXHAUSTED: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      "A retriable error lasted longer than the task's retry window (retry.connectionMinutes for lost connections, retry.otherMinutes otherwise). The message names the last error; fix it and resume the task.",
  },
  TW_TASK_STATE: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description: "The requested operation is not allowed in the task's current stage.",
  },
  TW_SERVER_MISSING: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description: 'A server binary Tidewater needs to start locally is not installed (nats-server, mariadbd).',
  },
  TW_STATE_DIR_IN_USE: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'Another tidewater run (migrate, up, demo) uses this --state-dir: two runs on one NATS store corrupt it. Wait for the other run to end or stop it, or pass another --state-dir.',
  },
  TW_PRECHECK_FAILED: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'The task did not pass its precheck. Each failed item says what to fix; run the precheck again afterwards.',
  },
  TW_QUERY_TIMEOUT: {
    retriable: false,
    grpc: 'FAILED_PRECONDITION',
    description:
      'A warehouse query or export (tidewater query / export) ran longer than its timeout and was interrupted; nothing was changed. Narrow it (WHERE, LIMIT) or raise --timeout.',
  },
  TW_ALERT_WEBHOOK: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description:
      "An alert webhook did not accept a message after 3 attempts (timeout, connection refused or a non-2xx answer; a DingTalk robot answering errcode ≠ 0). The message is logged and dropped; the alert state moves on. Check the webhook URL, the network from the coordinator, and for DingTalk the signing secret and the robot's keyword or IP rules.",
  },
  TW_UNCLASSIFIED: {
    retriable: true,
    grpc: 'UNAVAILABLE',
    description:
      'An error without a Tidewater code (from a library or the runtime). It is retried within retry.otherMinutes; the message says what failed.',
  },
  TW_INTERNAL: {
    retriable: false,
    grpc: 'INTERNAL',
    description: 'An invariant was broken: this is a bug. Please report it with the task id and log.',
  },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ErrorCodes;
