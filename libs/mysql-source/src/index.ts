// The source adapter: the one package that talks to a MySQL-family source for schema, chunk
// planning, snapshot reads and binlog settings. mysql2 stays inside: no driver type is exported.
export type {
  SourceConnection,
  SourceTls,
  LiveColumn,
  ObjectSelection,
  ChunkBounds,
  BinlogSettings,
  BinlogCoordinates,
  BinlogState,
  ReadChunkOptions,
  SourceClient,
} from './types.js';
export { openSource } from './source-client.js';
export { parseSourceUrl } from './url.js';
// For libs/binlog's reader: the TLS options its zongji connections take (mysql2's, unchanged).
export { tlsConnectOptions } from './tls.js';
// For libs/binlog's reader (zongji speaks the same protocol): the one classification of source errors.
export {
  mapDriverError as sourceError,
  BINLOG_PURGED_FIX,
  type ErrorContext as SourceErrorContext,
} from './driver-errors.js';
