import { timingSafeEqual, createHash } from 'node:crypto';
import { Metadata, ServerCredentials, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { checkControlPlaneExposure, readPemSetting } from '@tidewater/config';

/** How the control plane is exposed. Read from the environment (docs/operations.md, "Securing the control plane"). */
export interface ControlPlaneSecurity {
  readonly credentials: ServerCredentials;
  /** Checks the bearer token of every call; absent when no token is configured (loopback only). */
  readonly interceptors: ServerInterceptor[];
  /** For the startup log line: never the token itself. */
  readonly summary: string;
}

/** Refuses an exposed address without TLS or a caller check (`checkControlPlaneExposure`), then builds the server's credentials. */
export function controlPlaneSecurity(address: string, env: NodeJS.ProcessEnv = process.env): ControlPlaneSecurity {
  const { certFile, keyFile, clientCaFile, token } = checkControlPlaneExposure(address, env);
  const credentials =
    certFile && keyFile
      ? ServerCredentials.createSsl(
          clientCaFile ? readPemSetting(clientCaFile, 'TIDEWATER_TLS_CLIENT_CA') : null,
          [
            {
              cert_chain: readPemSetting(certFile, 'TIDEWATER_TLS_CERT'),
              private_key: readPemSetting(keyFile, 'TIDEWATER_TLS_KEY'),
            },
          ],
          Boolean(clientCaFile),
        )
      : ServerCredentials.createInsecure();
  const parts = [
    certFile ? 'TLS' : 'plaintext (loopback)',
    clientCaFile ? 'client certificates required' : '',
    token ? 'bearer token required' : '',
  ].filter(Boolean);
  return { credentials, interceptors: token ? [bearerTokenCheck(token)] : [], summary: parts.join(', ') };
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
            trailers.set(
              'tw-error-fix',
              'set TIDEWATER_API_TOKEN (or TIDEWATER_API_TOKEN_FILE) to the token the coordinator was started with',
            );
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: given
                ? 'TW_UNAUTHENTICATED: the bearer token is wrong'
                : 'TW_UNAUTHENTICATED: this control plane requires a bearer token',
              metadata: trailers,
            });
          },
        });
      },
    });
}
