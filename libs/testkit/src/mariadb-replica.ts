import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { TidewaterError } from '@tidewater/errors';
import { startLocalMariaDb, type MariaDbServer } from './mariadb.js';
import { waitFor } from './wait.js';

export interface MariaDbReplica extends MariaDbServer {
  /** The server this one replicates from (until `promote()`). */
  readonly primary: MariaDbServer;
  /** Resolves once the replica has applied everything in the primary's binlog at call time. */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /**
   * Failover: applies what the replica already received, forgets its primary and becomes a
   * writable primary in its own right, continuing the same GTID domain with its own server_id.
   */
  promote(timeoutMs?: number): Promise<void>;
}

export interface MariaDbReplicaOptions {
  /** Default: the primary's server_id + 1. */
  readonly serverId?: number;
  readonly extraArgs?: readonly string[];
}

type Conn = mysql.Connection;
const connect = (s: MariaDbServer): Promise<Conn> =>
  mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });

async function one<T>(c: Conn, sql: string, params: unknown[] = []): Promise<T> {
  const [rows] = await c.query(sql, params);
  return (rows as T[])[0]!;
}

/**
 * Seeding: the replica starts empty and replays the primary's whole binlog from an empty
 * gtid_slave_pos. That is correct only while the primary's binlog holds its whole history,
 * which is so for kit-started primaries (binlog on from the first statement on a fresh
 * datadir) as long as nobody purged logs; checked here so a primary with purged or
 * pre-binlog history fails loudly instead of producing a replica that silently lacks rows.
 */
async function checkPrimary(c: Conn): Promise<{ serverId: number; domainId: number }> {
  const v = await one<{ bin: number; sid: number; dom: number }>(
    c,
    'SELECT @@log_bin AS bin, @@server_id AS sid, @@gtid_domain_id AS dom',
  );
  if (v.bin !== 1)
    throw new TidewaterError('TW_SERVER_MISSING', 'the primary has no binary log: it cannot have a replica', {
      fix: 'start the primary with startMariaDb() (binlog on by default), not { binlog: false }',
    });
  const [logs] = await c.query('SHOW BINARY LOGS');
  const first = (logs as { Log_name: string }[])[0]?.Log_name ?? '';
  if (!first.endsWith('.000001'))
    throw new TidewaterError(
      'TW_SERVER_MISSING',
      `the primary's oldest binlog is ${first}: its history is not all in the binlog, so an empty replica cannot be seeded by replaying it`,
      { fix: 'use a fresh kit-started primary (startMariaDb()) and do not purge its binary logs' },
    );
  return { serverId: v.sid, domainId: v.dom };
}

/**
 * A second private MariaDB from the local binaries, a GTID replica of `primary`
 * (MASTER_USE_GTID=slave_pos, log_slave_updates, same gtid_domain_id, own server_id and
 * binlog base name, read_only until promoted). See checkPrimary for how it is seeded.
 */
export async function startMariaDbReplica(
  primary: MariaDbServer,
  opts: MariaDbReplicaOptions = {},
): Promise<MariaDbReplica> {
  const pc = await connect(primary);
  let ids: { serverId: number; domainId: number };
  const replUser = 'tw_repl';
  const replPassword = randomBytes(12).toString('hex');
  try {
    ids = await checkPrimary(pc);
    await pc.query('CREATE OR REPLACE USER ?@? IDENTIFIED BY ?', [replUser, '%', replPassword]);
    await pc.query('GRANT REPLICATION SLAVE ON *.* TO ?@?', [replUser, '%']);
  } finally {
    await pc.end();
  }
  const serverId = opts.serverId ?? ids.serverId + 1;
  if (serverId === ids.serverId)
    throw new TidewaterError('TW_SPEC_INVALID', `replica server_id ${serverId} equals the primary's`, {
      fix: 'pass a different serverId (replication ignores events carrying its own server_id)',
    });
  const server = await startLocalMariaDb({
    serverId,
    extraArgs: [
      // Relative names land in the replica's own datadir: replica-bin.000001, ...
      '--log-bin=replica-bin',
      '--relay-log=replica-relay-bin',
      '--log-slave-updates=ON',
      `--gtid-domain-id=${ids.domainId}`,
      '--gtid-strict-mode=ON',
      '--read-only=ON',
      ...(opts.extraArgs ?? []),
    ],
  });
  const rc = await connect(server);
  try {
    await rc.query(
      'CHANGE MASTER TO MASTER_HOST=?, MASTER_PORT=?, MASTER_USER=?, MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1',
      [primary.host, primary.port, replUser, replPassword],
    );
    await rc.query('START SLAVE');
  } catch (e) {
    await server.stop();
    throw e;
  } finally {
    await rc.end();
  }
  return {
    ...server,
    primary,
    waitCaughtUp: (timeoutMs = 60_000) => waitCaughtUp(primary, server, timeoutMs),
    promote: (timeoutMs = 60_000) => promote(server, timeoutMs),
  };
}

async function replicaStatus(c: Conn): Promise<Record<string, string | number | null> | undefined> {
  const [rows] = await c.query('SHOW SLAVE STATUS');
  return (rows as Record<string, string | number | null>[])[0];
}

async function waitCaughtUp(primary: MariaDbServer, replica: MariaDbServer, timeoutMs: number): Promise<void> {
  const pc = await connect(primary);
  const { pos } = await one<{ pos: string }>(pc, 'SELECT @@gtid_binlog_pos AS pos').finally(() => pc.end());
  const rc = await connect(replica);
  try {
    const { r } = await one<{ r: number }>(rc, 'SELECT MASTER_GTID_WAIT(?, ?) AS r', [pos, timeoutMs / 1000]);
    if (r === 0) return;
    const st = await replicaStatus(rc);
    throw new TidewaterError(
      'TW_INTERNAL',
      `replica on port ${replica.port} did not reach the primary's GTID position ${pos} within ${timeoutMs} ms (at ${String(st?.Gtid_Slave_Pos)}; IO: ${String(st?.Last_IO_Error) || 'ok'}; SQL: ${String(st?.Last_SQL_Error) || 'ok'})`,
    );
  } finally {
    await rc.end();
  }
}

async function promote(replica: MariaDbServer, timeoutMs: number): Promise<void> {
  const rc = await connect(replica);
  try {
    // Stop receiving first, then let the SQL thread apply the relay log: a failover keeps
    // every transaction the replica already has, as a real one would.
    await rc.query('STOP SLAVE IO_THREAD');
    await waitFor(
      async () => {
        const st = await replicaStatus(rc);
        if (st?.Last_SQL_Error)
          throw new TidewaterError(
            'TW_INTERNAL',
            `replica on port ${replica.port} cannot apply its relay log: ${st.Last_SQL_Error}`,
          );
        if (!st || st.Slave_SQL_Running !== 'Yes') return true;
        return st.Relay_Master_Log_File === st.Master_Log_File && st.Exec_Master_Log_Pos === st.Read_Master_Log_Pos;
      },
      { timeoutMs, what: `replica on port ${replica.port} to apply its relay log before promotion` },
    );
    await rc.query('STOP SLAVE');
    await rc.query('RESET SLAVE ALL');
    await rc.query('SET GLOBAL read_only = OFF');
  } finally {
    await rc.end();
  }
}
