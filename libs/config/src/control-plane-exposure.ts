import { readFileSync } from 'node:fs';
import { TidewaterError } from '@tidewater/errors';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/i;

/** The host part of a gRPC bind address such as `127.0.0.1:7233`, `[::1]:7233` or `0.0.0.0:7233`. */
export function bindHost(address: string): string {
  const i = address.lastIndexOf(':');
  return i < 0 ? address : address.slice(0, i);
}

/** What the environment asks of the control plane's exposure (docs/operations.md, "Securing the control plane"). */
export interface ControlPlaneExposure {
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly clientCaFile?: string;
  /** The bearer token callers must present; never logged. */
  readonly token?: string;
}

/**
 * Invariant: a control plane reachable from another machine always has TLS (server
 * certificate) and a caller check (bearer token, or client certificates = mTLS). On
 * loopback both are optional — only local processes can reach it. The coordinator refuses
 * to start otherwise; `tidewater up` asks the same before starting any service.
 */
export function checkControlPlaneExposure(address: string, env: NodeJS.ProcessEnv = process.env): ControlPlaneExposure {
  const certFile = env.TIDEWATER_TLS_CERT;
  const keyFile = env.TIDEWATER_TLS_KEY;
  const clientCaFile = env.TIDEWATER_TLS_CLIENT_CA;
  const token = readToken(env);
  const remote = !LOOPBACK.test(bindHost(address));
  if ((certFile && !keyFile) || (!certFile && keyFile)) {
    throw new TidewaterError('TW_SPEC_INVALID', 'TIDEWATER_TLS_CERT and TIDEWATER_TLS_KEY must be set together', {
      subject: 'TIDEWATER_TLS_CERT',
      fix: 'set both to PEM files (certificate chain and its private key)',
    });
  }
  if (remote && !certFile) {
    throw new TidewaterError('TW_SPEC_INVALID', `the control plane would listen on ${address} without TLS`, {
      subject: 'TIDEWATER_GRPC_ADDRESS',
      fix: 'bind to 127.0.0.1, or set TIDEWATER_TLS_CERT/TIDEWATER_TLS_KEY and TIDEWATER_API_TOKEN (or TIDEWATER_TLS_CLIENT_CA for mTLS)',
    });
  }
  if (remote && !token && !clientCaFile) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `the control plane would listen on ${address} without authenticating callers`,
      {
        subject: 'TIDEWATER_API_TOKEN',
        fix: 'set TIDEWATER_API_TOKEN (or TIDEWATER_API_TOKEN_FILE) to a random secret, or TIDEWATER_TLS_CLIENT_CA to require client certificates',
      },
    );
  }
  return { certFile, keyFile, clientCaFile, token };
}

function readToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TIDEWATER_API_TOKEN) return env.TIDEWATER_API_TOKEN;
  if (!env.TIDEWATER_API_TOKEN_FILE) return undefined;
  try {
    return readFileSync(env.TIDEWATER_API_TOKEN_FILE, 'utf8').trim() || undefined;
  } catch (e) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `cannot read TIDEWATER_API_TOKEN_FILE ${env.TIDEWATER_API_TOKEN_FILE}: ${(e as NodeJS.ErrnoException).code}`,
      { subject: 'TIDEWATER_API_TOKEN_FILE', fix: 'point it at a readable file holding the token' },
    );
  }
}

/** A PEM file named by a control-plane setting (`TIDEWATER_TLS_*`), read for the server or a client. */
export function readPemSetting(file: string, name: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new TidewaterError('TW_SPEC_INVALID', `cannot read ${name} ${file}: ${(e as NodeJS.ErrnoException).code}`, {
      subject: name,
      fix: `point ${name} at a readable PEM file`,
    });
  }
}
