import { describe, expect, it } from 'vitest';
import { DEFAULTS, parseTaskSpec } from './index.js';

const base = 'name: t\nsource: { url: "mysql://u:p@h:3306" }\nobjects: [{ database: d }]\n';

describe('sink.partitions', () => {
  it('defaults to 8', () => {
    expect(parseTaskSpec(base).sink).toEqual({ partitions: 8 });
    expect(DEFAULTS.sink).toEqual({ partitions: 8 });
  });

  it('takes 1 … 64 and refuses the rest, naming the key', () => {
    expect(parseTaskSpec(base + 'sink: { partitions: 1 }\n').sink.partitions).toBe(1);
    expect(parseTaskSpec(base + 'sink: { partitions: 64 }\n').sink.partitions).toBe(64);
    for (const bad of ['0', '65', '2.5', 'many'])
      expect(() => parseTaskSpec(base + `sink: { partitions: ${bad} }\n`)).toThrow(
        /sink\.partitions: must be an integer from 1 to 64/,
      );
    expect(() => parseTaskSpec(base + 'sink: 8\n')).toThrow(/sink: must be an object.*/);
    expect(() => parseTaskSpec(base + 'sink: { partition: 8 }\n')).toThrow(/sink\.partition: unknown key/);
  });
});
