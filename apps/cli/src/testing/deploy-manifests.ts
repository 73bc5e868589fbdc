import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// Reads deploy/ the way docker compose and kubectl would, as far as starting a Tidewater service
// goes: which command a container runs and exactly which environment and files it gets.

/** The Tidewater services, each one container (compose service, k8s Deployment). */
export const TIDEWATER_SERVICES = ['coordinator', 'capture', 'snapshot', 'transform', 'sink'] as const;

export const DEPLOY = resolve('deploy');

/** How one container starts: its command (run in the image's WORKDIR = the repository root), environment and mounted files. */
export interface Launch {
  readonly origin: 'compose' | 'k8s';
  readonly service: string;
  readonly argv: readonly string[];
  /** Exactly the container's environment (the image's ENV, then the manifest's). */
  readonly env: Readonly<Record<string, string>>;
  /** Container path → host path of bind mounts (compose) ... */
  readonly binds: Readonly<Record<string, string>>;
  /** ... or mount path → file name → content of secret volumes (k8s). */
  readonly files: Readonly<Record<string, Record<string, string>>>;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v ?? {}) as Obj;

export const readYaml = (path: string): Obj => obj(parse(readFileSync(path, 'utf8'), { merge: true }));

/**
 * Compose's variable interpolation of one value: `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `$$` (a literal `$`). An unset required variable throws its message,
 * as `docker compose` refuses to start.
 */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (m, name, colon, op, arg) => {
    if (m === '$$') return '$';
    const v = vars[name as string];
    const missing = v === undefined || (colon === ':' && v === '');
    if (op === '?' && missing) throw new Error(`required variable ${name} is missing a value: ${arg}`);
    if (op === '-' && missing) return arg as string;
    return v ?? '';
  });
}

function interpolateAll(v: unknown, vars: Readonly<Record<string, string>>): unknown {
  if (typeof v === 'string') return interpolate(v, vars);
  if (Array.isArray(v)) return v.map((x) => interpolateAll(x, vars));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolateAll(x, vars)]));
  return v;
}

/** docker-compose.yml with merge keys resolved and variables interpolated from `vars`. */
export function composeFile(vars: Readonly<Record<string, string>>): Obj {
  return obj(interpolateAll(readYaml(join(DEPLOY, 'docker-compose.yml')), vars));
}

/** The Dockerfile's ENV defaults from build args, its WORKDIR and its CMD (exec form). */
export function dockerfile(path: string, buildArgs: Readonly<Record<string, string>>) {
  const lines = readFileSync(path, 'utf8').split('\n');
  const args: Record<string, string> = {};
  const env: Record<string, string> = {};
  let cmd: string[] = [];
  let workdir = '/';
  for (const line of lines) {
    const [, kw, rest] = /^(ARG|ENV|CMD|WORKDIR)\s+(.*)$/.exec(line) ?? [];
    if (kw === 'ARG') {
      const [name, dflt] = rest!.split('=');
      args[name!] = buildArgs[name!] ?? dflt ?? '';
    } else if (kw === 'ENV') {
      const [name, value] = rest!.split('=');
      env[name!] = interpolate(value!, args);
    } else if (kw === 'CMD') cmd = JSON.parse(rest!) as string[];
    else if (kw === 'WORKDIR') workdir = rest!.trim();
  }
  return { env, cmd, workdir };
}

/** Every Tidewater service of docker-compose.yml as its container would start. */
export function composeLaunches(vars: Readonly<Record<string, string>>): Launch[] {
  const services = obj(composeFile(vars).services);
  return TIDEWATER_SERVICES.map((service) => {
    const s = obj(services[service]);
    const build = obj(s.build);
    const image = dockerfile(
      resolve(DEPLOY, String(build.context), String(build.dockerfile)),
      obj(build.args) as never,
    );
    const binds: Record<string, string> = {};
    for (const v of (s.volumes ?? []) as string[]) {
      const [host, container] = v.split(':');
      if (host!.startsWith('.')) binds[container!] = resolve(DEPLOY, host!);
    }
    const env = Object.fromEntries(Object.entries(obj(s.environment)).map(([k, v]) => [k, String(v)]));
    return { origin: 'compose', service, argv: image.cmd, env: { ...image.env, ...env }, binds, files: {} };
  });
}

/** Every document of every resource kustomization.yaml lists, with the file it came from. */
export function k8sDocuments(): { file: string; doc: Obj }[] {
  const dir = join(DEPLOY, 'k8s');
  const resources = readYaml(join(dir, 'kustomization.yaml')).resources as string[];
  return resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => ({ file, doc: obj(d.toJS()) })),
  );
}

export const ofKind = (docs: { doc: Obj }[], kind: string): Obj[] =>
  docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
export const named = (docs: Obj[], name: string): Obj | undefined => docs.find((d) => obj(d.metadata).name === name);

/** The first container of a Deployment's pod template. */
export const podSpec = (deployment: Obj): Obj => obj(obj(obj(deployment.spec).template).spec);
export const containerOf = (deployment: Obj): Obj => obj((podSpec(deployment).containers as Obj[])[0]);

/**
 * Every Tidewater Deployment of deploy/k8s as the kubelet would start its container: env from
 * ConfigMaps and Secrets (a Secret's values from `secretValue`, the templates hold placeholders),
 * `metadata.name` field refs as the pod's name, and secret volumes as files.
 */
export function k8sLaunches(secretValue: (secret: string, key: string) => string): Launch[] {
  const docs = k8sDocuments();
  const configMaps = ofKind(docs, 'ConfigMap');
  const secrets = ofKind(docs, 'Secret');
  const data = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
    const d = named(kind === 'ConfigMap' ? configMaps : secrets, name);
    if (!d) throw new Error(`${kind} ${name} is referenced but not in kustomization.yaml's resources`);
    const raw = obj(kind === 'ConfigMap' ? d.data : d.stringData);
    return Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, kind === 'Secret' ? secretValue(name, k) : String(v)]),
    );
  };
  return TIDEWATER_SERVICES.map((service) => {
    const deployment = named(ofKind(docs, 'Deployment'), service);
    if (!deployment) throw new Error(`deploy/k8s has no Deployment ${service}`);
    const c = containerOf(deployment);
    const pod = `${service}-7d9f8b-x2x4q`;
    const env: Record<string, string> = {};
    for (const from of (c.envFrom ?? []) as Obj[]) {
      if (from.configMapRef) Object.assign(env, data('ConfigMap', String(obj(from.configMapRef).name)));
      if (from.secretRef) Object.assign(env, data('Secret', String(obj(from.secretRef).name)));
    }
    for (const e of (c.env ?? []) as Obj[]) {
      const from = obj(e.valueFrom);
      const ref = obj(from.configMapKeyRef ?? from.secretKeyRef);
      if (e.value !== undefined) env[String(e.name)] = String(e.value);
      else if (from.fieldRef && obj(from.fieldRef).fieldPath === 'metadata.name') env[String(e.name)] = pod;
      else if (from.configMapKeyRef) env[String(e.name)] = data('ConfigMap', String(ref.name))[String(ref.key)]!;
      else if (from.secretKeyRef) env[String(e.name)] = data('Secret', String(ref.name))[String(ref.key)]!;
      else throw new Error(`${service}: env ${String(e.name)} has a source this test does not resolve`);
    }
    const volumes = (podSpec(deployment).volumes ?? []) as Obj[];
    const files: Record<string, Record<string, string>> = {};
    for (const m of (c.volumeMounts ?? []) as Obj[]) {
      const secret = obj(volumes.find((v) => v.name === m.name)?.secret);
      if (!secret.secretName) continue;
      const values = data('Secret', String(secret.secretName));
      const items = (secret.items as Obj[] | undefined) ?? Object.keys(values).map((k) => ({ key: k, path: k }));
      files[String(m.mountPath)] = Object.fromEntries(items.map((i) => [String(i.path), values[String(i.key)]!]));
    }
    const argv = [...((c.command ?? []) as string[]), ...((c.args ?? []) as string[])];
    // The image's own ENV (built with its default SERVICE) comes first, as in the container.
    const image = dockerfile(join(DEPLOY, 'Dockerfile'), {});
    return { origin: 'k8s', service, argv, env: { ...image.env, ...env }, binds: {}, files };
  });
}
