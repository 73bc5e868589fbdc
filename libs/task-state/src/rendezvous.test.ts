import { describe, expect, it } from 'vitest';
import { assignPartitions, desiredPartitions, partitionKey, rendezvousOwner } from './rendezvous.js';

const sinks = (n: number) => Array.from({ length: n }, (_, i) => `host-${i}-${(i * 7919).toString(36)}`);

function moved(a: Map<number, string>, b: Map<number, string>): number[] {
  return [...a].filter(([p, m]) => b.get(p) !== m).map(([p]) => p);
}

describe('rendezvous assignment of sink partitions', () => {
  it('is the same whatever order the members are listed in', () => {
    const m = sinks(5);
    expect(assignPartitions('t1', 64, m)).toEqual(assignPartitions('t1', 64, [...m].reverse()));
    expect(rendezvousOwner(partitionKey('t1', 3), m)).toBe(rendezvousOwner(partitionKey('t1', 3), [...m].reverse()));
  });

  it('gives every partition exactly one owner, each sink its fair share', () => {
    for (const [count, n] of [
      [8, 3],
      [8, 4],
      [8, 5],
      [4, 3],
      [3, 5],
      [64, 7],
    ] as const) {
      const m = sinks(n);
      const shares = m.map((self) => desiredPartitions('task-x', count, m, self).size);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(count);
      for (const s of shares) {
        expect(s).toBeLessThanOrEqual(Math.ceil(count / n));
        expect(s).toBeGreaterThanOrEqual(Math.floor(count / n) - (count % n === 0 ? 0 : 1));
      }
    }
  });

  it('moves about 1/N of the partitions when a sink joins, most of them to the new sink', () => {
    const before = sinks(3);
    const a = assignPartitions('t1', 900, before);
    const b = assignPartitions('t1', 900, [...before, 'host-new-zz']);
    const m = moved(a, b);
    // The newcomer's fair share (900 / 4 = 225) moves to it; the load bound shifts a few more.
    expect([...b.values()].filter((o) => o === 'host-new-zz')).toHaveLength(225);
    expect(m.length).toBeGreaterThanOrEqual(225);
    expect(m.length).toBeLessThan(225 * 1.2);
  });

  it('moves about 1/N of the partitions when a sink leaves, most of them its own', () => {
    const before = sinks(4);
    const gone = before[2]!;
    const a = assignPartitions('t1', 400, before);
    const b = assignPartitions(
      't1',
      400,
      before.filter((s) => s !== gone),
    );
    const m = moved(a, b);
    expect(m.filter((p) => a.get(p) === gone)).toHaveLength(100);
    expect(m.length).toBeLessThan(100 * 1.2);
  });

  it('moves 2 to 4 of 8 partitions when a fourth sink joins three, on any task', () => {
    for (let t = 0; t < 200; t++) {
      const before = sinks(3);
      const n = moved(assignPartitions(`t${t}`, 8, before), assignPartitions(`t${t}`, 8, [...before, 'host-new-zz']));
      expect(n.length).toBeGreaterThanOrEqual(2);
      expect(n.length).toBeLessThanOrEqual(4);
    }
  });

  it('has no owner without members', () => {
    expect(rendezvousOwner('t1.0', [])).toBeUndefined();
    expect(assignPartitions('t1', 8, []).size).toBe(0);
  });
});
