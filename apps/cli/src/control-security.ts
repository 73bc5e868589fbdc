import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import {
  credentials,
  InterceptingCall,
  type ChannelCredentials,
  type ChannelOptions,
  type Interceptor,
} from '@grpc/grpc-js';
import { TidewaterError } from '@tidewater/errors';
import { readPemSetting } from '@tidewater/config';

// How a control-plane client secures its channel: TLS settings and the bearer token, from the environment.

export interface ClientSecurity {
  readonly credentials: ChannelCredentials;
  readonly interceptors: Interceptor[];
  /** Whether the channel speaks TLS. */
  readonly tls: boolean;
  readonly options?: ChannelOptions;
}

/**
 * TLS when TIDEWATER_TLS_CA is set (the CA that signed the coordinator's certificate;
 * TIDEWATER_TLS_CLIENT_CERT/KEY add a client certificate for mTLS), and the bearer token
 * from TIDEWATER_API_TOKEN(_FILE) on every call.
 */
export function clientSecurityFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  own?: { roots: Buffer; name?: string },
): ClientSecurity {
  const read = (name: string): Buffer | null => (env[name] ? readPemSetting(env[name]!, name) : null);
  const ca = read('TIDEWATER_TLS_CA') ?? own?.roots ?? null;
  const tls = Boolean(ca || env.TIDEWATER_TLS === '1');
  const creds = tls
    ? credentials.createSsl(ca, read('TIDEWATER_TLS_CLIENT_KEY'), read('TIDEWATER_TLS_CLIENT_CERT'))
    : credentials.createInsecure();
  const token =
    env.TIDEWATER_API_TOKEN ??
    (env.TIDEWATER_API_TOKEN_FILE ? readFileSync(env.TIDEWATER_API_TOKEN_FILE, 'utf8').trim() : undefined);
  const bearer: Interceptor = (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
  return {
    credentials: creds,
    interceptors: token ? [bearer] : [],
    tls,
    options: own?.name ? { 'grpc.ssl_target_name_override': own.name } : {},
  };
}

/**
 * The client `tidewater up`/`migrate` use for the coordinator they started. It comes in over
 * loopback, which the certificate need not name: it trusts the certificate the coordinator
 * serves (TIDEWATER_TLS_CERT, besides TIDEWATER_TLS_CA or the system's CAs) and checks it under
 * a name the certificate holds.
 */
export function localClientSecurity(env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  const certFile = env.TIDEWATER_TLS_CERT;
  if (!certFile) return clientSecurityFromEnv(env);
  let chain: Buffer;
  try {
    chain = readFileSync(certFile);
  } catch (e) {
    throw new TidewaterError(
      'TW_SPEC_INVALID',
      `cannot read TIDEWATER_TLS_CERT ${certFile}: ${(e as NodeJS.ErrnoException).code}`,
      { subject: 'TIDEWATER_TLS_CERT', fix: 'point TIDEWATER_TLS_CERT at a readable PEM file' },
    );
  }
  const cert = new X509Certificate(chain);
  const names = (cert.subjectAltName ?? '')
    .split(', ')
    .map((n) => /^(?:DNS|IP Address):(.+)$/.exec(n)?.[1])
    .filter((n): n is string => Boolean(n));
  const name = names[0] ?? /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return clientSecurityFromEnv(env, { roots: Buffer.from([chain.toString(), ...rootCertificates].join('\n')), name });
}
