// Real servers for integration tests: env URL, else local binaries. testcontainers would be
// the third way where a Docker engine answers; these machines have none, so a missing
// binary is an error that names the package to install, never a skip.
export { startMariaDb, type MariaDbServer, type MariaDbOptions } from './mariadb.js';
export { startMariaDbReplica, type MariaDbReplica, type MariaDbReplicaOptions } from './mariadb-replica.js';
export { startNats, type NatsServer, type NatsOptions } from './nats.js';
export { startPostgres, type PostgresServer } from './postgres.js';
export { findBinary, requireBinary } from './binaries.js';
export { freePort } from './process.js';
export { waitFor, withTimeout } from './wait.js';
export { tlsCertificates, mariaDbTlsArgs, type TestCertificates } from './certs.js';
