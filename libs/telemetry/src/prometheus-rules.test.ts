import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Metrics } from './metrics.js';

// deploy/prometheus/alerts.yml may only use metric names the services export: every
// `tidewater_*` name in a rule's expression must be registered in metrics.ts.

const RULES = fileURLToPath(new URL('../../../deploy/prometheus/alerts.yml', import.meta.url));

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
}

describe('deploy/prometheus/alerts.yml', () => {
  const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

  it('uses only metric names registered in metrics.ts (histogram series by their base name)', () => {
    const m = new Metrics();
    const registered = new Set(m.registry.getMetricsAsArray().map((x) => x.name));
    const used = rules.flatMap((r) => [...r.expr.matchAll(/tidewater_\w+/g)].map((x) => x[0]));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(registered.has(name) || registered.has(base), `${name} is not a registered metric`).toBe(true);
    }
  });

  it('covers each alert rule of the task spec, with a severity', () => {
    const text = readFileSync(RULES, 'utf8');
    for (const rule of ['lag', 'failed', 'pausedByDdl', 'retrying', 'fullCopy'])
      expect(text, `alerts.rules.${rule}`).toContain(`alerts.rules.${rule}`);
    for (const r of rules) expect(['warning', 'critical']).toContain(r.labels?.severity);
  });
});
