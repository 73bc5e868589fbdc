import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { startMariaDb, startNats, waitFor, type MariaDbServer, type NatsServer } from '@tidewater/testkit';
import { openSource } from '@tidewater/mysql-source';
import { CheckStatus } from '@tidewater/proto';
import { ControlClient } from './control-client.js';
import { clientSecurityFromEnv } from './control-security.js';
import { DEPLOY, composeFile, composeLaunches, k8sLaunches } from './testing/deploy-manifests.js';
import { httpGet, startLaunch, stopRunning, untilReady, type Running } from './testing/deploy-launch.js';
import {
  exposedFamilies,
  isExposed,
  metricNames,
  promqlOfDeploy,
  recordedNames,
  recordedRefs,
} from './testing/metric-refs.js';
import { checkComposeWiring, checkK8sWiring, natsMaxPayload } from './testing/deploy-checks.js';
import { startOtlpBytes } from './testing/otlp-bytes.js';

// The local start test of deploy/: there is no Docker engine or cluster here, so every
// Tidewater service of docker-compose.yml and of deploy/k8s is started as a local process from
// exactly its container's command and environment; only container host names (nats,
// otel-collector, mysql), container paths (/certs, /warehouse) and colliding ports change.
const SECRET_KEY = randomBytes(32).toString('hex');
const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

let nats: NatsServer;
let db: MariaDbServer;
let otlp: Awaited<ReturnType<typeof startOtlpBytes>>;
let work: string;
let certs: string;
let running: Running[] = [];

const coordinators = () => running.filter((r) => r.launch.service === 'coordinator');
const client = (r: Running, env: Record<string, string>) =>
  new ControlClient(
    `localhost:${r.grpcPort}`,
    clientSecurityFromEnv({ TIDEWATER_TLS_CA: join(certs, 'ca.pem'), ...env }),
  );

beforeAll(async () => {
  [nats, db, otlp] = await Promise.all([
    startNats({ maxPayload: natsMaxPayload(readFileSync(join(DEPLOY, 'nats.conf'), 'utf8')) }),
    startMariaDb(),
    startOtlpBytes(),
  ]);
  work = mkdtempSync(join(tmpdir(), 'tw-deploy-'));
  // The documented way to make the control plane's certificates, into a scratch dir.
  certs = join(work, 'certs');
  execFileSync('sh', [join(DEPLOY, 'make-certs.sh'), certs], { stdio: 'pipe' });
  const compose = composeLaunches({ TIDEWATER_SECRET_KEY: SECRET_KEY, TIDEWATER_API_TOKEN: TOKEN });
  const k8s = k8sLaunches((_secret, key) =>
    key === 'tls.crt'
      ? readFileSync(join(certs, 'coordinator.pem'), 'utf8')
      : key === 'tls.key'
        ? readFileSync(join(certs, 'coordinator.key'), 'utf8')
        : { TIDEWATER_SECRET_KEY: SECRET_KEY, TIDEWATER_API_TOKEN: TOKEN }[key]!,
  );
  const stand = {
    hosts: { 'nats:4222': `127.0.0.1:${nats.port}`, 'otel-collector:4318': `127.0.0.1:${otlp.port}` },
    // The compose coordinator's bind mount ./certs:/certs, made here by make-certs.sh instead.
    paths: { '/certs': certs },
    containerHosts: Object.keys(composeFile({ TIDEWATER_SECRET_KEY: 'x', TIDEWATER_API_TOKEN: 'x' }).services!),
    dir: work,
  };
  running = await Promise.all([...compose, ...k8s].map((l) => startLaunch(l, stand, `${l.origin}-${l.service}`)));
}, 120_000);

afterAll(async () => {
  await Promise.all(running.map((r) => stopRunning(r)));
  await otlp?.close();
  await db?.stop();
  await nats?.stop();
  if (work && !process.env.TIDEWATER_KEEP_TEST_DIRS) rmSync(work, { recursive: true, force: true });
});

describe('deploy/ started as local processes', () => {
  it('every service of docker-compose.yml and deploy/k8s becomes ready; the compose healthcheck passes', async () => {
    expect(running.map((r) => r.name).sort()).toEqual(
      ['compose', 'k8s'].flatMap((o) =>
        ['capture', 'coordinator', 'sink', 'snapshot', 'transform'].map((s) => `${o}-${s}`),
      ),
    );
    await Promise.all(running.map((r) => untilReady(r, 90_000)));
    const healthcheck = (
      composeFile({ TIDEWATER_SECRET_KEY: 'x', TIDEWATER_API_TOKEN: 'x' })['x-tidewater'] as {
        healthcheck: { test: string[] };
      }
    ).healthcheck.test;
    for (const r of running) {
      expect(await httpGet(r, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
      if (r.launch.origin !== 'compose') continue;
      // The healthcheck command itself, pointed at this process's port.
      const [kind, ...argv] = healthcheck.map((a) => a.replace(`:${r.declaredMetricsPort}/`, `:${r.metricsPort}/`));
      expect(kind).toBe('CMD');
      expect(spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' }).status, `${r.name} healthcheck`).toBe(0);
    }
  });

  it('the control plane answers TLS + token calls only, and takes the example task against the init SQL account', async () => {
    expect(coordinators()).toHaveLength(2);
    for (const r of coordinators()) {
      const c = client(r, { TIDEWATER_API_TOKEN: TOKEN });
      await c.waitReady(30_000);
      expect(Array.isArray(await c.listTasks())).toBe(true);
      const anonymous = client(r, {});
      await expect(anonymous.listTasks()).rejects.toThrow(/token|unauthenticated|authori/i);
      anonymous.close();
      c.close();
    }
    // mysql-init/ and MYSQL_DATABASE as the mysql container would apply them, on the test's MariaDB.
    const source = await openSource({ host: db.host, port: db.port, user: db.user, password: db.password });
    try {
      const mysqlEnv = (composeFile({ TIDEWATER_SECRET_KEY: 'x', TIDEWATER_API_TOKEN: 'x' }).services as never)[
        'mysql'
      ] as {
        environment: Record<string, string>;
      };
      await source.query(`CREATE DATABASE IF NOT EXISTS ${mysqlEnv.environment.MYSQL_DATABASE}`);
      await source.query(
        `CREATE TABLE IF NOT EXISTS ${mysqlEnv.environment.MYSQL_DATABASE}.customer (id INT PRIMARY KEY)`,
      );
      const init = readFileSync(join(DEPLOY, 'mysql-init/01-tidewater-user.sql'), 'utf8').replace(/^--.*$/gm, '');
      for (const statement of init.split(';').filter((s) => s.trim())) await source.query(statement);
    } finally {
      await source.close();
    }
    const spec = parse(readFileSync(join(DEPLOY, 'task.example.yaml'), 'utf8')) as {
      source: { host: string; port: number };
      destination: { path: string };
    };
    expect([spec.source.host, spec.source.port]).toEqual(['mysql', 3306]);
    Object.assign(spec.source, { host: db.host, port: db.port });
    spec.destination.path = spec.destination.path.replace(/^\/warehouse\//, `${work}/`);
    const c = client(coordinators()[0]!, { TIDEWATER_API_TOKEN: TOKEN });
    try {
      const task = await c.createTask(JSON.stringify(spec));
      const { items } = await c.runPrecheck(task.taskId);
      const status = (name: string) => items.find((i) => i.name === name);
      expect(status('source.connectivity')?.status, JSON.stringify(items)).toBe(CheckStatus.CHECK_STATUS_PASSED);
      expect(status('source.privileges')?.status, JSON.stringify(items)).toBe(CheckStatus.CHECK_STATUS_PASSED);
    } finally {
      c.close();
    }
    // The coordinator's server spans reach the endpoint OTEL_EXPORTER_OTLP_ENDPOINT names (OTLP/HTTP protobuf).
    await waitFor(
      async () =>
        otlp.requests.some(
          (q) =>
            q.path === '/v1/traces' &&
            q.contentType.includes('protobuf') &&
            q.body.includes('tidewater-coordinator') &&
            q.body.includes('CreateTask'),
        ),
      { timeoutMs: 20_000, what: 'the coordinator to export its CreateTask span to the OTLP endpoint' },
    );
  });

  it('every metric the Grafana dashboard, recording rules and alert rules read is in a live /metrics scrape', async () => {
    const families = new Map<string, string>();
    for (const r of running)
      for (const [k, v] of exposedFamilies((await httpGet(r, '/metrics')).body)) families.set(k, v);
    const exprs = promqlOfDeploy();
    expect(exprs.some((e) => e.file.includes('grafana'))).toBe(true);
    expect(exprs.some((e) => e.file.includes('recording-rules'))).toBe(true);
    const recorded = recordedNames();
    const missing = exprs.flatMap((e) => [
      ...metricNames(e.expr)
        .filter((n) => !isExposed(n, families))
        .map((n) => `${e.file}: ${n}`),
      ...recordedRefs(e.expr)
        .filter((n) => !recorded.has(n))
        .map((n) => `${e.file}: ${n} (no recording rule)`),
    ]);
    expect(missing).toEqual([]);
    // The dashboard's required panels read these (the sink partition gauge included).
    for (const name of [
      'tidewater_replication_lag_seconds',
      'tidewater_rows_total',
      'tidewater_faults_total',
      'tidewater_sink_partitions_owned',
    ])
      expect(
        exprs.some((e) => e.expr.includes(name)),
        name,
      ).toBe(true);
  });

  it('prometheus.yml, the collector, Grafana and the k8s probes, ports and Services agree with the services', () => {
    expect(checkComposeWiring(running.filter((r) => r.launch.origin === 'compose'))).toEqual([]);
    expect(checkK8sWiring()).toEqual([]);
  });

  it('every service stops with exit code 0 on SIGTERM', async () => {
    const codes = await Promise.all(running.map(async (r) => [r.name, await stopRunning(r)] as const));
    expect(codes.filter(([, code]) => code !== 0)).toEqual([]);
  });
});
