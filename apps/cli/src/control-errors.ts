import { status, type ServiceError } from '@grpc/grpc-js';
import { TidewaterError, ErrorCodes, type ErrorCode } from '@tidewater/errors';

// What the control-plane client tells its user when a call fails or cannot be sent.

/** gRPC's default receive limit, which the coordinator keeps, less the request's own framing. */
const MAX_SPEC_BYTES = 4 * 1024 * 1024 - 16;

/** A larger spec would be cut off by the transport with no word of which limit it hit. */
export function checkSpecSize(spec: string): void {
  const bytes = Buffer.byteLength(spec);
  if (bytes <= MAX_SPEC_BYTES) return;
  throw new TidewaterError(
    'TW_SPEC_INVALID',
    `the task spec is ${(bytes / 1024 / 1024).toFixed(1)} MiB; the control plane accepts at most 4 MiB`,
    {
      subject: 'task spec',
      fix: 'select whole databases (objects: [{ database: x }], with exclude: and mapping: rules) instead of listing tables one by one, or split the task',
    },
  );
}

export function toTidewaterError(e: ServiceError, address: string): TidewaterError {
  const code = e.metadata?.get('tw-error-code')?.[0];
  if (code === undefined) {
    // No answer from a coordinator: the connection or the transport failed.
    if (e.code === status.UNAVAILABLE || e.code === status.CANCELLED) {
      return new TidewaterError(
        'TW_BUS_UNAVAILABLE',
        `the control plane at ${address} stopped answering (${e.details || e.message})`,
        {
          subject: address,
          fix: 'check that its coordinator runs (tidewater up, or the tidewater migrate run that printed this address), then run the command again',
        },
      );
    }
    return new TidewaterError(
      'TW_UNCLASSIFIED',
      `the control plane at ${address} answered gRPC ${status[e.code] ?? e.code}: ${e.details || e.message}`,
      { subject: address },
    );
  }
  const known = String(code) in ErrorCodes ? (String(code) as ErrorCode) : 'TW_INTERNAL';
  const fix = String(e.metadata?.get('tw-error-fix')?.[0] ?? '');
  return new TidewaterError(known, (e.details || e.message).replace(/^TW_[A-Z_]+: /, ''), fix ? { fix } : {});
}
