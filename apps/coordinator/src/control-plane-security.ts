import { readFileSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';
import { Metadata, ServerCredentials, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { TidewaterError } from '@tidewater/errors';

/** How the control plane is exposed. Read from the environment (docs/operations.md, "Securing the control plane"). */
export interface ControlPlaneSecurity {
  readonly credentials: ServerCredentials;
  /** Checks the bearer token of every call; absent when no token is configured (loopback only). */
  readonly interceptors: ServerInterceptor[];
  /** For the startup log line: never the token itself. */
  readonly summary: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/** The host part of a gRPC bind address such as `127.0.0.1:7233`, `[::1]:7233` or `0.0.0.0:7233`. */
export function bindHost(address: string): string {
  const i = address.lastIndexOf(':');
  return i < 0 ? address : address.slice(0, i);
}

/**
 * Invariant: a control plane reachable from another machine always has TLS (server
 * certificate) and a caller check (bearer token, or client certificates = mTLS). On
 * loopback both are optional — only local processes can reach it.
 */
export function controlPlaneSecurity(address: string, env: NodeJS.ProcessEnv = process.env): ControlPlaneSecurity {
  const certFile = env.TIDEWATER_TLS_CERT;
  const keyFile = env.TIDEWATER_TLS_KEY;
  const clientCaFile = env.TIDEWATER_TLS_CLIENT_CA;
  const token = readToken(env);
  const remote = !LOOPBACK.test(bindHost(address));
  if ((certFile && !keyFile) || (!certFile && keyFile)) {
    throw new TidewaterError('TW_SPEC_INVALID', 'TIDEWATER_TLS_CERT and TIDEWATER_TLS_KEY must be set together', { subject: 'TIDEWATER_TLS_CERT', fix: 'set both to PEM files (certificate chain and its private key)' });
  }
  if (remote && !certFile) {
    throw new TidewaterError('TW_SPEC_INVALID', `the control plane would listen on ${address} without TLS`, {
      subject: 'TIDEWATER_GRPC_ADDRESS',
      fix: 'bind to 127.0.0.1, or set TIDEWATER_TLS_CERT/TIDEWATER_TLS_KEY and TIDEWATER_API_TOKEN (or TIDEWATER_TLS_CLIENT_CA for mTLS)',
    });
  }
  if (remote && !token && !clientCaFile) {
    throw new TidewaterError('TW_SPEC_INVALID', `the control plane would listen on ${address} without authenticating callers`, {
      subject: 'TIDEWATER_API_TOKEN',
      fix: 'set TIDEWATER_API_TOKEN (or TIDEWATER_API_TOKEN_FILE) to a random secret, or TIDEWATER_TLS_CLIENT_CA to require client certificates',
    });
  }
  const credentials = certFile && keyFile
    ? ServerCredentials.createSsl(
        clientCaFile ? readPem(clientCaFile, 'TIDEWATER_TLS_CLIENT_CA') : null,
        [{ cert_chain: readPem(certFile, 'TIDEWATER_TLS_CERT'), private_key: readPem(keyFile, 'TIDEWATER_TLS_KEY') }],
        Boolean(clientCaFile),
      )
    : ServerCredentials.createInsecure();
  const parts = [certFile ? 'TLS' : 'plaintext (loopback)', clientCaFile ? 'client certificates required' : '', token ? 'bearer token required' : ''].filter(Boolean);
  return { credentials, interceptors: token ? [bearerTokenCheck(token)] : [], summary: parts.join(', ') };
}

function readToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TIDEWATER_API_TOKEN) return env.TIDEWATER_API_TOKEN;
  if (!env.TIDEWATER_API_TOKEN_FILE) return undefined;
  try {
    return readFileSync(env.TIDEWATER_API_TOKEN_FILE, 'utf8').trim() || undefined;
  } catch (e) {
    throw new TidewaterError('TW_SPEC_INVALID', `cannot read TIDEWATER_API_TOKEN_FILE ${env.TIDEWATER_API_TOKEN_FILE}: ${(e as NodeJS.ErrnoException).code}`, { subject: 'TIDEWATER_API_TOKEN_FILE', fix: 'point it at a readable file holding the token' });
  }
}

function readPem(file: string, name: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TidewaterError('TW_SPEC_INVALID', `cannot read ${name} ${file}: ${(e as NodeJS.ErrnoException).code}`, { subject: name, fix: `point ${name} at a readable PEM file` });
  }
}

/** Compares digests so neither the token's content nor its length leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function bearerTokenCheck(token: string): ServerInterceptor {
  return (_method, call) =>
    new ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, mdNext) => {
            const header = metadata.get('authorization')[0];
            const given = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
            if (given && sameSecret(given, token)) return mdNext(metadata);
            const trailers = new Metadata();
            trailers.set('tw-error-code', 'TW_UNAUTHENTICATED');
            trailers.set('tw-error-fix', 'set TIDEWATER_API_TOKEN (or TIDEWATER_API_TOKEN_FILE) to the token the coordinator was started with');
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: given ? 'TW_UNAUTHENTICATED: the bearer token is wrong' : 'TW_UNAUTHENTICATED: this control plane requires a bearer token',
              metadata: trailers,
            });
          },
        });
      },
    });
}
