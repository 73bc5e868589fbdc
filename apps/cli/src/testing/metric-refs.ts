import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY, readYaml } from './deploy-manifests.js';

// The PromQL that deploy/ ships (Grafana dashboard, recording and alerting rules) and the names in it.

/** Every PromQL expression in deploy/, by the file it comes from. */
export function promqlOfDeploy(): { file: string; expr: string }[] {
  const out: { file: string; expr: string }[] = [];
  const dashboard = 'grafana/dashboards/tidewater.json';
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'query' || k === 'definition') && typeof x === 'string')
          out.push({ file: dashboard, expr: x });
        else walk(x);
      }
  };
  walk(JSON.parse(readFileSync(join(DEPLOY, dashboard), 'utf8')));
  for (const file of ruleFiles())
    for (const g of (readYaml(join(DEPLOY, 'prometheus', file)).groups ?? []) as { rules: { expr: string }[] }[])
      for (const r of g.rules) out.push({ file: `prometheus/${file}`, expr: String(r.expr) });
  return out;
}

/** The rule files prometheus.yml loads that exist (alerts.yml is written separately). */
export function ruleFiles(): string[] {
  const listed = (readYaml(join(DEPLOY, 'prometheus/prometheus.yml')).rule_files ?? []) as string[];
  return listed.filter((f) => existsSync(join(DEPLOY, 'prometheus', f)));
}

/** Names of recorded series (`level:metric:operations`) the recording rules define. */
export function recordedNames(): Set<string> {
  const names = new Set<string>();
  for (const file of ruleFiles())
    for (const g of (readYaml(join(DEPLOY, 'prometheus', file)).groups ?? []) as { rules: { record?: string }[] }[])
      for (const r of g.rules) if (r.record) names.add(r.record);
  return names;
}

/** `tidewater_*` metric names an expression reads. */
export const metricNames = (expr: string): string[] => [...expr.matchAll(/\btidewater_\w+/g)].map((m) => m[0]);
/** `tidewater:*` recorded series an expression reads. */
export const recordedRefs = (expr: string): string[] => [...expr.matchAll(/\btidewater:[\w:]+/g)].map((m) => m[0]);

/** Metric families a Prometheus text exposition declares (`# TYPE name type`). */
export function exposedFamilies(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Whether `name` is a series of an exposed family (a histogram's `_bucket`, `_sum`, `_count` too). */
export function isExposed(name: string, families: Map<string, string>): boolean {
  if (families.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return !!base && ['histogram', 'summary'].includes(families.get(base) ?? '');
}
