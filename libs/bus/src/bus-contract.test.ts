import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;

/**
 * What an app's source must not do with the bus: libs/bus owns the message ids (D1,
 * message-ids.ts), publishing (BatchPublisher, publishProgress) and the raw NATS handles.
 */
const RULES: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  { pattern: /\.js\.publish\(/, why: 'publishes with a raw JetStream handle (use bus.publisher or publishProgress)' },
  { pattern: /\bbus\.(nc|js|jsm)\b/i, why: 'reaches the raw NATS handles of the Bus (use its methods)' },
  { pattern: /\bmsgID\s*:/, why: 'builds a message id (use messageIds)' },
  { pattern: /\bmsgId\s*:(?!\s*messageIds\.)/, why: 'builds a message id (use messageIds)' },
  { pattern: /Nats-Msg-Id/i, why: 'sets the message id header itself (use messageIds and bus.publisher)' },
];

function violations(file: string, text: string): string[] {
  const out: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    for (const rule of RULES) if (rule.pattern.test(line)) out.push(`${file}:${i + 1} ${rule.why}: ${line.trim()}`);
  }
  return out;
}

function appSources(): string[] {
  const files: string[] = [];
  for (const app of readdirSync(join(root, 'apps'))) {
    let entries: string[];
    try {
      entries = readdirSync(join(root, 'apps', app, 'src'), { recursive: true, encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const f of entries) if (f.endsWith('.ts') && !f.endsWith('.test.ts')) files.push(join('apps', app, 'src', f));
  }
  return files;
}

describe('the bus contract', () => {
  it('recognises each forbidden use', () => {
    expect(violations('x.ts', 'await ctx.bus.js.publish(s, d, { msgID: `p${p}` });')).toHaveLength(3);
    expect(violations('x.ts', "bus.nc.request(subjects.sinkSchema, '')")).toHaveLength(1);
    expect(violations('x.ts', 'await purgeTask(deps.bus.jsm, id)')).toHaveLength(1);
    expect(violations('x.ts', 'publisher.publish(s, d, { msgId: `c:${id}` })')).toHaveLength(1);
    expect(violations('x.ts', "h.set('Nats-Msg-Id', id)")).toHaveLength(1);
    expect(violations('x.ts', 'publisher.publish(s, d, { msgId: messageIds.chunkProgress(id) })')).toEqual([]);
  });

  it('no app builds a bus message id or publishes with a raw JetStream handle', () => {
    const files = appSources();
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap((f) => violations(f, readFileSync(join(root, f), 'utf8')))).toEqual([]);
  });
});
