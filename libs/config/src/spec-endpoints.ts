import { z } from 'zod';
import { parseSource, SOURCE_DEFAULTS } from './parse-source.js';
import { DESTINATION_DEFAULTS, parseDestination } from './parse-destination.js';
import { Bad, checkStr, guard, int, leaf, oneOf, section, str, withMeta } from './spec-leaves.js';
import { doc, unchecked } from './spec-keydoc.js';
import { sourceTls } from './spec-source-tls.js';

// Task-spec keys of the two ends of a task: the source server (and the heartbeat table capture
// writes there) and the destination warehouse (composed in spec-schema.ts).

/** Where the rows come from: the source server, connection keys only. */
export const source = withMeta(
  section(
    {
      url: unchecked({
        type: 'string',
        allowed: '`mysql://user:password@host:port` or `mariadb://…`',
        meaning:
          'User and password are percent-decoded (`%40` for `@`, `%3A` for `:`, `%2F` for `/`, `%25` for `%`, `%23` for `#`, `%3F` for `?`; a URL broken by a raw one is refused with this hint, or give the password as `source.password`); port defaults to 3306; an IPv6 host goes in brackets; a path is ignored. Not together with `host`/`port`.',
      }),
      host: unchecked({ type: 'string', default: '— (required without `url`)', allowed: 'non-empty' }),
      port: unchecked({ type: 'integer', default: `\`${SOURCE_DEFAULTS.port}\``, allowed: '1 … 65,535' }),
      user: unchecked({
        type: 'string',
        default: `\`${SOURCE_DEFAULTS.user}\``,
        allowed: 'non-empty',
        meaning:
          'Also used with `url` when the URL has no user. Needs SELECT, and for incremental tasks REPLICATION SLAVE and REPLICATION CLIENT.',
      }),
      password: unchecked({
        type: 'string',
        default: '`""`',
        allowed: 'any',
        meaning: 'Also used with `url` when the URL has no password. Never echoed (below).',
      }),
      tls: sourceTls,
    },
    { message: 'is required', fix: 'add source: { url: mysql://user:pass@host:3306 } or host/port/user/password keys' },
  ).transform(guard(parseSource)),
  {
    doc: {
      type: 'mapping',
      allowed: '`url`, or `host`/`port`/`user`/`password`; `tls`',
      meaning: 'The MySQL, MariaDB or PolarDB for MySQL server.',
    },
  },
);

/** Where they go: the warehouse file or PostgreSQL database. */
export const destination = doc(
  section(
    {
      type: doc(oneOf(['duckdb', 'postgres'] as const).default('duckdb'), {
        meaning:
          '`duckdb`: the embedded warehouse file (`path`). `postgres`: a PostgreSQL 13+ database (`url`), which many sinks may write at once ([merge.md](merge.md#postgresql)).',
      }),
      path: doc(str().default(DESTINATION_DEFAULTS.path), {
        allowed: 'a file path',
        meaning:
          "`duckdb` only. Opened by the sink process: a relative path is relative to the sink's working directory (for `tidewater migrate`/`up`, where you ran it; in the containers of `deploy/`, `/app`, so use `/warehouse/<name>.duckdb`). Tasks may share a file.",
      }),
      url: unchecked({
        type: 'string',
        default: '— (required for `postgres`)',
        allowed: '`postgres://user:password@host:port/database` (or `postgresql://`)',
        meaning:
          '`postgres` only. The password is percent-decoded and kept apart from the URL like `source.password`: sealed at rest, never echoed; listings show the URL without it. Query parameters (e.g. `sslmode=require`) pass to the driver.',
      }),
      password: unchecked({
        type: 'string',
        default: '`""`',
        allowed: 'any',
        meaning: '`postgres` only. Used when the URL has no password. Never echoed.',
      }),
    },
    { message: 'must be an object', fix: 'write destination: { type: duckdb, path: ./warehouse.duckdb }' },
  )
    .transform(guard(parseDestination))
    .prefault({}),
  {},
);

const heartbeatTable = leaf((v) => {
  const s = checkStr(v);
  if (s instanceof Bad || /^[A-Za-z0-9_$]{1,64}\.[A-Za-z0-9_$]{1,64}$/.test(s)) return s;
  return new Bad(`"${s}" is not database.table`, () => 'write e.g. heartbeat: { table: tidewater.heartbeat }');
});
// `heartbeat: true` is short for `{ enabled: true }`; a mapping without `enabled` turns it on.
const heartbeatValue = z.preprocess(
  (v) => (v === undefined ? { enabled: false } : typeof v === 'boolean' ? { enabled: v } : v),
  section(
    {
      enabled: leaf((v) =>
        typeof v === 'boolean' ? v : new Bad('must be true or false', () => 'write heartbeat: { enabled: true }'),
      ).default(true),
      table: heartbeatTable.default('tidewater.heartbeat'),
      intervalMs: int(100, 60_000).default(1_000),
    },
    { message: 'must be true/false or { enabled, table, intervalMs }', fix: 'write heartbeat: true' },
  ),
);

/** The heartbeat table capture writes on the source (off by default). */
export const heartbeat = doc(heartbeatValue, {
  type: 'boolean or mapping',
  default: '`false`',
  allowed: '`true`/`false`, or `{enabled, table, intervalMs}` (table `tidewater.heartbeat`, 1,000 ms)',
  meaning:
    "DTS's heartbeat table. On: capture creates the table on the source and rewrites one row per task every interval (needs CREATE, INSERT, UPDATE on its database: precheck item `heartbeat.privileges`); its events measure lag end to end while the source is idle and are not migrated. Off: nothing is written to the source; the source's binlog heartbeat (capture asks for one per idle second) tells where its binlog ends; once the destination has applied up to there, it is current as of that moment and the lag reads ~0.",
});
