import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { status, type Metadata, type ServerWritableStream } from '@grpc/grpc-js';
import { TidewaterError } from '@tidewater/errors';
import type { Bus } from '@tidewater/bus';
import type { TaskStore } from '@tidewater/task-state';
import type { Logger } from '@tidewater/telemetry';
import type { TaskView } from '@tidewater/proto';
import { controlService, toServiceError } from './control-service.js';

describe('toServiceError', () => {
  it('maps an error without our code to TW_UNCLASSIFIED (UNAVAILABLE), credentials redacted', () => {
    const err = toServiceError(new Error('connect failed: mysql://app:hunter2@db:3306'));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.metadata.get('tw-error-code')).toEqual(['TW_UNCLASSIFIED']);
    expect(err.details).not.toContain('hunter2');
  });
});

describe('watchTask', () => {
  it('ends a watch of a missing task with its status and code, not a silent hang', async () => {
    const store = {
      require: () => Promise.reject(new TidewaterError('TW_TASK_NOT_FOUND', 'task x does not exist')),
    } as unknown as TaskStore;
    const service = controlService({ store, bus: {} as Bus, log: {} as Logger });
    const call = Object.assign(new EventEmitter(), { request: { taskId: 'x' } });
    const failed = new Promise<{ code?: number; metadata?: Metadata }>((resolve) => call.once('error', resolve));
    service.watchTask(call as unknown as ServerWritableStream<{ taskId: string }, { task?: TaskView }>);
    const err = await failed;
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.metadata?.get('tw-error-code')).toEqual(['TW_TASK_NOT_FOUND']);
  });
});
