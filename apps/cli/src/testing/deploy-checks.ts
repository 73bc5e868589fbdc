import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEPLOY,
  TIDEWATER_SERVICES,
  composeFile,
  containerOf,
  k8sDocuments,
  named,
  ofKind,
  podSpec,
  readYaml,
} from './deploy-manifests.js';
import type { Running } from './deploy-launch.js';

// The cross-file wiring of deploy/ that starting the services cannot show: scrape targets,
// probes, Services and the collector must point where the services listen. Each check returns
// the mismatches it found (empty = consistent), naming the file and the fix.

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v ?? {}) as Obj;
const port = (url: string): number => Number(new URL(url).port);

/** `max_payload` of a NATS configuration. */
export const natsMaxPayload = (conf: string): string => /^\s*max_payload:\s*(\S+)/m.exec(conf)?.[1] ?? '1MB';

/** A NATS image of 2.9 or later (JetStream KV and the consumer API the services use). */
function natsImageProblem(where: string, image: string): string[] {
  const [major, minor] = (/^nats:(\d+)\.(\d+)/.exec(image) ?? []).slice(1).map(Number);
  return major !== undefined && (major > 2 || (major === 2 && minor! >= 9))
    ? []
    : [`${where}: image ${image} is not nats:2.9 or later`];
}

export function checkComposeWiring(compose: Running[]): string[] {
  const problems: string[] = [];
  const services = obj(composeFile({ TIDEWATER_SECRET_KEY: 'x', TIDEWATER_API_TOKEN: 'x' }).services);
  const prom = readYaml(join(DEPLOY, 'prometheus/prometheus.yml'));
  const jobs = (prom.scrape_configs ?? []) as Obj[];
  for (const r of compose) {
    const s = r.launch.service;
    const targets = jobs.flatMap((j) => [
      ...((j.dns_sd_configs ?? []) as Obj[]).flatMap((d) =>
        (d.names as string[]).map((n) => ({ host: n, port: Number(d.port), dns: true })),
      ),
      ...((j.static_configs ?? []) as Obj[]).flatMap((c) =>
        (c.targets as string[]).map((t) => ({ host: t.split(':')[0], port: Number(t.split(':')[1]), dns: false })),
      ),
    ]);
    const mine = targets.filter((t) => t.host === s);
    if (mine.length === 0) problems.push(`prometheus.yml: no scrape target for ${s}`);
    for (const t of mine)
      if (t.port !== r.declaredMetricsPort)
        problems.push(
          `prometheus.yml: ${s} scraped on ${t.port}, its TIDEWATER_METRICS_PORT is ${r.declaredMetricsPort}`,
        );
    // Scaled services have one address per replica: only DNS discovery sees them all.
    if (['sink', 'snapshot'].includes(s) && !mine.every((t) => t.dns))
      problems.push(`prometheus.yml: ${s} scales, scrape it with dns_sd_configs`);
    const otel = r.launch.env.OTEL_EXPORTER_OTLP_ENDPOINT;
    if (!otel) problems.push(`docker-compose.yml: ${s} has no OTEL_EXPORTER_OTLP_ENDPOINT`);
  }
  for (const f of ['recording-rules.yml', 'alerts.yml'])
    if (!((prom.rule_files ?? []) as string[]).includes(f)) problems.push(`prometheus.yml: rule_files lacks ${f}`);
  const mounts = (name: string) => ((obj(services[name]).volumes ?? []) as string[]).map((v) => v.split(':'));
  if (!mounts('prometheus').some(([h, c]) => h === './prometheus' && c === '/etc/prometheus'))
    problems.push('docker-compose.yml: prometheus must mount ./prometheus at /etc/prometheus (rule files)');

  // Services → collector → Jaeger.
  const collector = readYaml(join(DEPLOY, 'otel-collector.yaml'));
  const http = obj(obj(obj(obj(collector.receivers).otlp).protocols).http);
  const endpoint = compose[0]?.launch.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
  if (new URL(endpoint).hostname !== 'otel-collector' || !services['otel-collector'])
    problems.push(`docker-compose.yml: OTEL_EXPORTER_OTLP_ENDPOINT ${endpoint} is not the otel-collector service`);
  if (Number(String(http.endpoint).split(':').pop()) !== port(endpoint))
    problems.push(`otel-collector.yaml: OTLP/HTTP listens on ${String(http.endpoint)}, services send to ${endpoint}`);
  const pipeline = obj(obj(obj(collector.service).pipelines).traces);
  for (const e of (pipeline.exporters ?? []) as string[]) {
    const host = String(obj(obj(collector.exporters)[e]).endpoint).split(':')[0]!;
    if (!services[host]) problems.push(`otel-collector.yaml: exporter ${e} sends to ${host}, not a compose service`);
  }
  if (obj(obj(services.jaeger).environment).COLLECTOR_OTLP_ENABLED !== 'true')
    problems.push('docker-compose.yml: jaeger needs COLLECTOR_OTLP_ENABLED=true');

  // Grafana: provisioned datasource and dashboard directory.
  const datasources = (readYaml(join(DEPLOY, 'grafana/provisioning/datasources/prometheus.yml')).datasources ??
    []) as Obj[];
  const uids = new Set(datasources.map((d) => d.uid));
  const dashboard = readFileSync(join(DEPLOY, 'grafana/dashboards/tidewater.json'), 'utf8');
  for (const m of dashboard.matchAll(/"uid": "([^"]+)"/g))
    if (m[1] !== 'tidewater' && !uids.has(m[1]))
      problems.push(`tidewater.json: datasource uid ${m[1]} is not provisioned`);
  for (const d of datasources)
    if (!services[new URL(String(d.url)).hostname])
      problems.push(`grafana datasource ${String(d.url)}: no such service`);
  const provider = obj(
    ((readYaml(join(DEPLOY, 'grafana/provisioning/dashboards/tidewater.yml')).providers ?? []) as Obj[])[0],
  );
  if (!mounts('grafana').some(([h, c]) => h === './grafana/dashboards' && c === obj(provider.options).path))
    problems.push('grafana: the dashboard provider path is not where ./grafana/dashboards is mounted');

  // NATS: a JetStream-capable server with deploy/nats.conf.
  const natsService = obj(services.nats);
  problems.push(...natsImageProblem('docker-compose.yml nats', String(natsService.image)));
  const conf = (natsService.command as string[])[(natsService.command as string[]).indexOf('-c') + 1];
  if (!mounts('nats').some(([h, c]) => h === './nats.conf' && c === conf))
    problems.push('docker-compose.yml: nats must run with ./nats.conf');
  // The coordinator's published port is its control plane's.
  const coordinator = compose.find((r) => r.launch.service === 'coordinator')!;
  const grpcPort = Number(coordinator.launch.env.TIDEWATER_GRPC_ADDRESS!.split(':').pop());
  if (!((obj(services.coordinator).ports ?? []) as string[]).some((p) => p.endsWith(`:${grpcPort}`)))
    problems.push(`docker-compose.yml: coordinator does not publish its control plane port ${grpcPort}`);
  return problems;
}

/** A container port by number or name. */
const containerPort = (c: Obj, ref: unknown): number | undefined =>
  typeof ref === 'number'
    ? ref
    : (((c.ports ?? []) as Obj[]).find((p) => p.name === ref)?.containerPort as number | undefined);

const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels[k] === v);

export function checkK8sWiring(): string[] {
  const problems: string[] = [];
  const dir = join(DEPLOY, 'k8s');
  const listed = (readYaml(join(dir, 'kustomization.yaml')).resources ?? []) as string[];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml'))
    if (!listed.includes(f)) problems.push(`kustomization.yaml: ${f} is not listed in resources`);
  const docs = k8sDocuments();
  const env = obj(named(ofKind(docs, 'ConfigMap'), 'tidewater-env')?.data);
  const metricsPort = Number(env.TIDEWATER_METRICS_PORT);
  const deployments = ofKind(docs, 'Deployment');
  const services = ofKind(docs, 'Service');
  for (const s of TIDEWATER_SERVICES) {
    const d = named(deployments, s);
    if (!d) {
      problems.push(`k8s: no Deployment ${s}`);
      continue;
    }
    const c = containerOf(d);
    const labels = obj(obj(obj(obj(d.spec).template).metadata).labels);
    if (!matches(obj(obj(obj(d.spec).selector).matchLabels), labels))
      problems.push(`k8s ${s}: selector does not match the pod labels`);
    if (containerPort(c, 'metrics') !== metricsPort)
      problems.push(`k8s ${s}: container port "metrics" is not TIDEWATER_METRICS_PORT ${metricsPort}`);
    for (const [probe, path] of [
      ['readinessProbe', '/readyz'],
      ['livenessProbe', '/healthz'],
    ] as const) {
      const get = obj(obj(c[probe]).httpGet);
      if (get.path !== path || containerPort(c, get.port) !== metricsPort)
        problems.push(
          `k8s ${s}: ${probe} must GET ${path} on ${metricsPort}, not ${String(get.path)} on ${String(get.port)}`,
        );
    }
    const annotations = obj(obj(obj(obj(d.spec).template).metadata).annotations);
    if (Number(annotations['prometheus.io/port']) !== metricsPort)
      problems.push(`k8s ${s}: prometheus.io/port is not ${metricsPort}`);
    const replicas = Number(obj(d.spec).replicas);
    if (s === 'sink' && replicas !== 3) problems.push('k8s sink: replicas 3 (scalable)');
    if (['capture', 'transform'].includes(s) && replicas !== 1)
      problems.push(`k8s ${s}: 1 replica, standbys explained`);
    if (!podSpec(d).securityContext) problems.push(`k8s ${s}: no pod securityContext`);
  }
  const metricsService = named(services, 'tidewater-metrics');
  const ms = obj(metricsService?.spec);
  if (ms.clusterIP !== 'None') problems.push('k8s: Service tidewater-metrics must be headless');
  for (const s of TIDEWATER_SERVICES) {
    const d = named(deployments, s);
    const labels = obj(obj(obj(obj(d?.spec).template).metadata).labels);
    if (d && !matches(obj(ms.selector), labels)) problems.push(`k8s: tidewater-metrics does not select ${s}`);
    const target = ((ms.ports ?? []) as Obj[])[0]?.targetPort;
    if (d && containerPort(containerOf(d), target) !== metricsPort)
      problems.push(`k8s: tidewater-metrics targets ${String(target)}, not the metrics port`);
  }
  const coordinator = named(deployments, 'coordinator');
  const grpcAddress = ((containerOf(coordinator ?? {}).env ?? []) as Obj[]).find(
    (e) => e.name === 'TIDEWATER_GRPC_ADDRESS',
  )?.value;
  const grpc = ((obj(named(services, 'coordinator')?.spec).ports ?? []) as Obj[])[0];
  if (
    !grpc ||
    containerPort(containerOf(coordinator ?? {}), grpc.targetPort) !== Number(String(grpcAddress).split(':').pop())
  )
    problems.push('k8s: Service coordinator does not target the control plane port of TIDEWATER_GRPC_ADDRESS');
  for (const secret of ofKind(docs, 'Secret'))
    for (const [k, v] of Object.entries(obj(secret.stringData)))
      if (!String(v).startsWith('REPLACE_WITH')) problems.push(`secret.yaml: ${k} holds a value, not a placeholder`);
  // NATS: JetStream, deploy/nats.conf's payload limit, reachable as TIDEWATER_NATS_URL says.
  const nats = named(ofKind(docs, 'StatefulSet'), 'nats');
  const natsContainer = containerOf(nats ?? {});
  problems.push(...natsImageProblem('k8s nats', String(natsContainer.image)));
  if (!((natsContainer.args ?? []) as string[]).includes('-js')) problems.push('k8s nats: JetStream (-js) is off');
  const conf = String(obj(named(ofKind(docs, 'ConfigMap'), 'nats-config')?.data)['nats.conf']);
  const composeConf = readFileSync(join(DEPLOY, 'nats.conf'), 'utf8');
  if (natsMaxPayload(conf) !== natsMaxPayload(composeConf))
    problems.push(`k8s nats-config: max_payload ${natsMaxPayload(conf)} differs from deploy/nats.conf`);
  const url = new URL(String(env.TIDEWATER_NATS_URL));
  const natsService = named(services, url.hostname);
  if (!((obj(natsService?.spec).ports ?? []) as Obj[]).some((p) => Number(p.port) === Number(url.port)))
    problems.push(`k8s: no Service ${url.hostname} on port ${url.port} for TIDEWATER_NATS_URL`);
  if (obj(nats?.spec).serviceName !== url.hostname) problems.push('k8s nats: serviceName is not the nats Service');
  return problems;
}
