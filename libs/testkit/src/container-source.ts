import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { TidewaterError } from '@tidewater/errors';
import type { MariaDbServer } from './mariadb.js';
import type { SourceEngine } from './engines.js';
import { waitFor } from './wait.js';

// The server options every source needs for incremental migration, plus GTID (always on in
// MariaDB; MySQL needs both switches). Same packet size and charset as the local MariaDB.
const COMMON = [
  '--server-id=1',
  '--log-bin=binlog',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--max-allowed-packet=64M',
  '--character-set-server=utf8mb4',
];
const FLAVOR_ARGS = {
  mysql: ['--gtid-mode=ON', '--enforce-gtid-consistency=ON'],
  mariadb: ['--collation-server=utf8mb4_general_ci'],
};

/**
 * A MySQL or MariaDB image started by testcontainers (loaded only when a container engine is
 * asked for, so runs on the local MariaDB never load it). The entrypoint's first-run server
 * has networking off, so a root login over the mapped port means the real server is up.
 */
export async function startContainerSource(
  engine: Extract<SourceEngine, { kind: 'container' }>,
): Promise<MariaDbServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const password = randomBytes(12).toString('hex');
  const env: Record<string, string> =
    engine.flavor === 'mysql'
      ? { MYSQL_ROOT_PASSWORD: password, MYSQL_ROOT_HOST: '%' }
      : { MARIADB_ROOT_PASSWORD: password, MARIADB_ROOT_HOST: '%' };
  const container = await new GenericContainer(engine.image)
    .withEnvironment(env)
    .withCommand([...COMMON, ...FLAVOR_ARGS[engine.flavor]])
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(180_000)
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(3306);
  try {
    await waitFor(
      async () => {
        const c = await mysql.createConnection({ host, port, user: 'root', password });
        await c.query('SELECT 1');
        await c.end();
        return true;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: `${engine.name} container to accept root logins on ${host}:${port}`,
      },
    );
  } catch (e) {
    await container.stop();
    throw new TidewaterError('TW_SERVER_MISSING', `${engine.name} container did not start: ${(e as Error).message}`, {
      subject: engine.name,
      fix: `check the image (docker run --rm ${engine.image}) and the Docker engine's logs`,
    });
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await container.stop();
  };
  return {
    host,
    port,
    user: 'root',
    password,
    url: `mysql://root:${password}@${host}:${port}`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
