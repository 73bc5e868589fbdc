import { z } from 'zod';
import { Bad, checkStr, leaf, oneOf, section } from './spec-leaves.js';
import { doc } from './spec-keydoc.js';

// `source.tls`: how the connections to the source are encrypted (every one of them: snapshot
// reads, precheck, schema reads, heartbeat and the binlog stream). The files are read by each
// service when it connects (libs/mysql-source), so they must exist where the services run.

export const SOURCE_TLS_MODES = ['disabled', 'preferred', 'required', 'verify-ca', 'verify-full'] as const;
export type SourceTlsMode = (typeof SOURCE_TLS_MODES)[number];

/** `source.tls` as parsed; absent = `{ mode: preferred }`. */
export interface SourceTlsSpec {
  readonly mode: SourceTlsMode;
  /** PEM file paths. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

const pemFile = (meaning: string) =>
  doc(
    leaf((v) => {
      const s = checkStr(v);
      // PEM text in place of a path would land in the task state and in error messages (a key).
      if (typeof s === 'string' && s.includes('-----BEGIN'))
        return new Bad('must be a file path, not PEM text', (k) => `write the PEM to a file and set ${k} to its path`);
      return s;
    }).optional(),
    { type: 'string', default: 'unset', allowed: 'a PEM file path', meaning },
  );

const tlsSection = section(
  {
    mode: doc(oneOf(SOURCE_TLS_MODES).default('preferred'), {
      meaning:
        '`disabled`: plain. `preferred`: TLS when the server offers it, else plain (never plain after a certificate error). `required`: TLS, certificate not verified. `verify-ca`: the server certificate must chain to `ca` (host name not checked). `verify-full`: chain and the source host name (or IP) in the certificate.',
    }),
    ca: pemFile(
      "CA certificate(s) the server's certificate must chain to (`verify-ca`, `verify-full`); unset = the system's CAs.",
    ),
    cert: pemFile('Client certificate, for a server that requires one (`REQUIRE X509`); needs `key`.'),
    key: pemFile('Private key of `cert`. Never logged; only its path appears in errors.'),
  },
  { message: 'must be a mapping', fix: 'write source.tls: { mode: verify-full, ca: /path/ca.pem }' },
);

function checkTls(t: z.output<typeof tlsSection>, ctx: z.RefinementCtx): SourceTlsSpec {
  if ((t.cert === undefined) !== (t.key === undefined))
    ctx.addIssue({
      code: 'custom',
      message: 'cert and key go together',
      path: [t.cert === undefined ? 'cert' : 'key'],
      params: { fix: () => 'give both source.tls.cert and source.tls.key, or neither' },
    });
  if (t.mode === 'disabled' && (t.ca ?? t.cert) !== undefined)
    ctx.addIssue({
      code: 'custom',
      message: 'mode disabled with certificate files',
      path: ['mode'],
      params: { fix: () => 'set source.tls.mode to verify-full (or verify-ca, required) to use them, or remove them' },
    });
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as unknown as SourceTlsSpec;
}

export const sourceTls = doc(tlsSection.transform(checkTls).optional(), {
  type: 'mapping',
  default: '`{mode: preferred}`',
  allowed: '`mode`, `ca`, `cert`, `key`',
  meaning:
    'TLS to the source, for every connection (snapshot reads, precheck, schema reads, heartbeat, binlog stream). Precheck item `source.tls` shows the negotiated version and cipher, and fails when the mode requires TLS and the server has none.',
});
