/**
 * The compiled plans of one task's current state. Task states change on every progress report
 * and spec revision (SetThrottle…): each state reuses the plans whose key it still has and
 * drops the rest, so the cache holds one plan per table however many revisions a task sees.
 */
export class PlanCache<V> {
  private plans = new Map<string, V>();

  /** The plans for `wanted` (key → builder). If a builder throws, the previous plans stay. */
  replace(wanted: ReadonlyMap<string, () => V>): Map<string, V> {
    const next = new Map<string, V>();
    for (const [key, build] of wanted) next.set(key, this.plans.get(key) ?? build());
    this.plans = next;
    return next;
  }
}
