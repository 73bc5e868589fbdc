import { describe, expect, it } from 'vitest';
import { PlanCache } from './plan-cache.js';

describe('PlanCache', () => {
  it('reuses a plan whose key is unchanged and builds the others', () => {
    const cache = new PlanCache<object>();
    let builds = 0;
    const build = () => ({ n: ++builds });
    const first = cache.replace(
      new Map([
        ['a|v1', build],
        ['b|v1', build],
      ]),
    );
    const second = cache.replace(
      new Map([
        ['a|v1', build],
        ['b|v2', build],
      ]),
    );
    expect(second.get('a|v1')).toBe(first.get('a|v1'));
    expect(second.get('b|v2')).toEqual({ n: 3 });
    expect(builds).toBe(3);
  });

  it('forgets plans the current state no longer has, so revisions do not grow it', () => {
    const cache = new PlanCache<number>();
    for (let rev = 0; rev < 100; rev++) cache.replace(new Map([[`t|${rev}`, () => rev]]));
    let built = false;
    const now = cache.replace(new Map([['t|0', () => ((built = true), -1)]]));
    expect(built).toBe(true);
    expect([...now]).toEqual([['t|0', -1]]);
  });

  it('keeps the previous plans when a builder throws', () => {
    const cache = new PlanCache<number>();
    cache.replace(new Map([['a', () => 1]]));
    expect(() =>
      cache.replace(
        new Map([
          [
            'b',
            () => {
              throw new Error('bad expression');
            },
          ],
        ]),
      ),
    ).toThrow('bad expression');
    let rebuilt = false;
    expect(cache.replace(new Map([['a', () => ((rebuilt = true), 2)]])).get('a')).toBe(1);
    expect(rebuilt).toBe(false);
  });
});
