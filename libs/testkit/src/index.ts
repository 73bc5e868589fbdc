// Real servers for integration tests: env URL, else local binaries; MySQL/MariaDB images via
// testcontainers where a Docker engine answers and TIDEWATER_TEST_ENGINES asks for them. A
// missing binary or Docker engine is an error that names what to install, never a skip.
export { startMariaDb, type MariaDbServer, type MariaDbOptions } from './mariadb.js';
export { startMariaDbReplica, type MariaDbReplica, type MariaDbReplicaOptions } from './mariadb-replica.js';
export {
  parseEngines,
  testEngines,
  startSourceEngine,
  describeEngine,
  dockerEndpoint,
  dockerAnswers,
  type SourceEngine,
  type SourceEngineServer,
} from './engines.js';
export { startNats, type NatsServer, type NatsOptions } from './nats.js';
export { startPostgres, type PostgresServer } from './postgres.js';
export { findBinary, requireBinary } from './binaries.js';
export { freePort } from './process.js';
export { waitFor, withTimeout } from './wait.js';
export { tlsCertificates, mariaDbTlsArgs, type TestCertificates } from './certs.js';
