import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@tidewater/testkit';
import { startLocal, type LocalRun } from '../local-run.js';
import { startStack, type Stack } from './stack.js';

/** A local run whose control plane listens on every interface, over TLS, for bearer-token callers only. */
export interface SecureControlPlane {
  readonly stack: Stack;
  readonly local: LocalRun;
  /** The gRPC port, on 0.0.0.0. */
  readonly port: number;
  /** The coordinator's self-signed certificate, which the clients trust as their CA. */
  readonly cert: string;
  /** process.env as it was before the fixture changed it. */
  readonly env: NodeJS.ProcessEnv;
  /** A spec reading database `s` as the `tw` user into `<work>/<name>.duckdb`, with `extra` on top. */
  spec(name: string, extra?: Record<string, unknown>): string;
  stop(): Promise<void>;
}

/** A self-signed certificate for `localhost` and 127.0.0.1 in `dir` (cert.pem, key.pem). */
export function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, '-keyout', key, '-out', cert],
    {
      stdio: 'ignore',
    },
  );
  return { cert, key };
}

/**
 * Starts the stack of the control-plane security tests: a source database `s` (1,000 rows in
 * s.t) that the `tw` user reads with `password`, and a local run serving gRPC on every interface
 * with a self-signed certificate (also the clients' CA, through TIDEWATER_TLS_CA) and the bearer
 * `token`: the coordinator must insist on TLS and the token. stop() restores process.env.
 */
export async function startSecureControlPlane(
  prefix: string,
  password: string,
  token: string,
): Promise<SecureControlPlane> {
  const env = { ...process.env };
  const stack = await startStack(prefix);
  const { db, source, work } = stack;
  let local: LocalRun | undefined;
  try {
    await source.query('CREATE DATABASE s');
    await source.query('CREATE TABLE s.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await source.query(`INSERT INTO s.t SELECT seq, 'seed' FROM s.seq_1_to_1000`);
    await source.query(`CREATE USER 'tw'@'%' IDENTIFIED BY '${password}'`);
    await source.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT, SHOW VIEW ON *.* TO 'tw'@'%'`);
    const { cert, key } = selfSignedCertificate(work);
    Object.assign(process.env, {
      TIDEWATER_TLS_CERT: cert,
      TIDEWATER_TLS_KEY: key,
      TIDEWATER_TLS_CA: cert,
      TIDEWATER_API_TOKEN: token,
    });
    const port = await freePort();
    local = await startLocal({ stateDir: join(work, 'state'), incremental: true, grpcAddress: `0.0.0.0:${port}` });
    const running = local;
    return {
      stack,
      local,
      port,
      cert,
      env,
      spec: (name, extra = {}) =>
        JSON.stringify({
          name,
          source: { host: db.host, port: db.port, user: 'tw', password },
          destination: { type: 'duckdb', path: join(work, `${name}.duckdb`) },
          migrationTypes: ['schema', 'full', 'incremental'],
          objects: [{ database: 's' }],
          ...extra,
        }),
      async stop() {
        await running.stop();
        process.env = env;
        await stack.stop();
      },
    };
  } catch (e) {
    await local?.stop();
    process.env = env;
    await stack.stop();
    throw e;
  }
}
