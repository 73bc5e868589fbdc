import { describe, expect, it } from 'vitest';
import type { Msg } from '@nats-io/transport-node';
import { TidewaterError } from '@tidewater/errors';
import {
  requestSinkInspect,
  requestSinkSchema,
  serveSinkControl,
  subjects,
  type Bus,
  type SinkControlHandlers,
} from './index.js';

/** Core NATS request/reply in memory: a request goes to the one subscriber of its subject. */
function fakeBus(): Bus {
  const subs = new Map<string, (err: unknown, msg: Msg) => void>();
  const nc = {
    subscribe: (subject: string, opts: { callback: (err: unknown, msg: Msg) => void }) => {
      subs.set(subject, opts.callback);
      return { unsubscribe: () => subs.delete(subject) };
    },
    request: (subject: string, data: Uint8Array) =>
      new Promise((resolve, reject) => {
        const callback = subs.get(subject);
        if (!callback) return reject(new Error('503 no responders'));
        callback(null, { data, respond: (reply: Uint8Array) => (resolve({ data: reply }), true) } as unknown as Msg);
      }),
  };
  return { nc } as unknown as Bus;
}

const handlers = (over: Partial<SinkControlHandlers>, failures: string[] = []): SinkControlHandlers => ({
  schema: async () => undefined,
  inspect: async () => ({ foreign: [], server: '' }),
  failed: (what, taskId) => void failures.push(`${what} ${taskId}`),
  ...over,
});

describe('sink control request/reply', () => {
  it('asks for schema migration and the foreign tables of a task', async () => {
    const bus = fakeBus();
    const asked: string[] = [];
    const served = serveSinkControl(
      bus,
      handlers({
        schema: async (taskId) => void asked.push(`schema ${taskId}`),
        inspect: async (taskId, tables) => (
          asked.push(`inspect ${taskId}`),
          { foreign: tables.filter((t) => t.startsWith('shop.')), server: 'db:5432/wh as u, PostgreSQL 16.4' }
        ),
      }),
    );
    await requestSinkSchema(bus, 'orders', new AbortController().signal);
    expect(await requestSinkInspect(bus, 'orders', ['shop.a', 'crm.b'])).toEqual({
      foreign: ['shop.a'],
      server: 'db:5432/wh as u, PostgreSQL 16.4',
    });
    expect(asked).toEqual(['schema orders', 'inspect orders']);
    served.stop();
  });

  it("returns a sink's error with its code, message and details; other errors as TW_DEST_WRITE", async () => {
    const bus = fakeBus();
    const failures: string[] = [];
    serveSinkControl(
      bus,
      handlers(
        {
          schema: async () => {
            throw new TidewaterError('TW_DEST_CONFLICT', 'table shop.a exists with other columns', {
              subject: 'shop.a',
              fix: 'drop it',
            });
          },
          inspect: async () => {
            throw new Error('disk full');
          },
        },
        failures,
      ),
    );
    const err = await requestSinkSchema(bus, 'orders', new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidewaterError);
    expect((err as TidewaterError).toJSON()).toEqual({
      code: 'TW_DEST_CONFLICT',
      message: 'table shop.a exists with other columns',
      details: { subject: 'shop.a', fix: 'drop it' },
    });
    await expect(requestSinkInspect(bus, 'orders', [])).rejects.toMatchObject({
      code: 'TW_DEST_WRITE',
      message: 'the destination could not be inspected: disk full',
    });
    expect(failures).toEqual(['schema migration orders', 'destination inspection orders']);
  });

  it('asks again while no sink answers yet', async () => {
    const bus = fakeBus();
    const pending = requestSinkInspect(bus, 'orders', ['shop.a']);
    setTimeout(
      () => serveSinkControl(bus, handlers({ inspect: async (_t, foreign) => ({ foreign, server: '' }) })),
      300,
    );
    expect((await pending).foreign).toEqual(['shop.a']);
    expect(subjects.sinkInspect).toBe('tw.ctl.sink.inspect');
  });
});
