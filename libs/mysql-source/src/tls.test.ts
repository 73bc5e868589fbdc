import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverTlsOptions, fallsBackToPlain, sslOptions, tlsError } from './tls.js';
import { mapDriverError } from './driver-errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-tls-unit-'));
const pem = join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const ctx = { host: 'db.example', port: 3306, user: 'u', password: 'Secret-pw-1' };

describe('sslOptions', () => {
  it('is plain for disabled, unverified for preferred (the default) and required', () => {
    expect(sslOptions({ tls: { mode: 'disabled' } })).toBeUndefined();
    expect(sslOptions({})).toMatchObject({ rejectUnauthorized: false, verifyIdentity: false });
    expect(sslOptions({ tls: { mode: 'required' } })).toMatchObject({ rejectUnauthorized: false });
  });
  it('verifies the chain for verify-ca, and the host too for verify-full', () => {
    expect(sslOptions({ tls: { mode: 'verify-ca', ca: pem } })).toMatchObject({
      rejectUnauthorized: true,
      verifyIdentity: false,
    });
    const full = sslOptions({ tls: { mode: 'verify-full', ca: pem } })!;
    expect(full).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true });
    expect(String(full.ca)).toContain('BEGIN CERTIFICATE');
  });
  it('names an unreadable or non-PEM file by key and path', () => {
    expect(() => sslOptions({ tls: { mode: 'verify-ca', ca: join(dir, 'missing.pem') } })).toThrow(
      /cannot read source\.tls\.ca .*missing\.pem: ENOENT/,
    );
    const der = join(dir, 'key.der');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01]));
    expect(() => sslOptions({ tls: { mode: 'required', cert: pem, key: der } })).toThrow(
      /source\.tls\.key .*is not a PEM file/,
    );
  });
});

describe('driverTlsOptions', () => {
  it('opens the socket itself only for an IP under verify-full, so Node checks the IP and not localhost', () => {
    const full = sslOptions({ tls: { mode: 'verify-full', ca: pem } });
    expect(Object.keys(driverTlsOptions({ host: '10.0.0.5', port: 3306 }, full))).toEqual(['ssl', 'stream']);
    expect(Object.keys(driverTlsOptions({ host: '::1', port: 3306 }, full))).toEqual(['ssl', 'stream']);
    expect(Object.keys(driverTlsOptions({ host: 'db.example', port: 3306 }, full))).toEqual(['ssl']);
    const ca = sslOptions({ tls: { mode: 'verify-ca', ca: pem } });
    expect(Object.keys(driverTlsOptions({ host: '10.0.0.5', port: 3306 }, ca))).toEqual(['ssl']);
    expect(driverTlsOptions({ host: '10.0.0.5', port: 3306 }, undefined)).toEqual({});
  });
});

describe('fallsBackToPlain', () => {
  const noTls = { code: 'HANDSHAKE_NO_SSL_SUPPORT' };
  it('only for preferred, only when the server has no TLS', () => {
    expect(fallsBackToPlain({}, noTls)).toBe(true);
    expect(fallsBackToPlain({}, { details: { driverCode: 'HANDSHAKE_NO_SSL_SUPPORT' } })).toBe(true);
    expect(fallsBackToPlain({ tls: { mode: 'required' } }, noTls)).toBe(false);
    expect(fallsBackToPlain({}, { code: 'HANDSHAKE_SSL_ERROR', message: 'self-signed certificate' })).toBe(false);
  });
});

describe('TLS errors', () => {
  it('a server without TLS under required: not retried, with the fix', () => {
    const e = mapDriverError({ code: 'HANDSHAKE_NO_SSL_SUPPORT' }, { ...ctx, tls: { mode: 'required' } }, 'connecting');
    expect(e.code).toBe('TW_SOURCE_TLS');
    expect(e.retriable).toBe(false);
    expect(e.describe()).toMatch(
      /db\.example:3306 does not offer TLS, and source\.tls\.mode is required[\s\S]*ssl_cert/,
    );
  });
  it('an untrusted certificate names the CA file; a host mismatch says what the certificate must name', () => {
    const tls = { mode: 'verify-full' as const, ca: '/etc/tw/ca.pem' };
    const chain = mapDriverError(
      { code: 'HANDSHAKE_SSL_ERROR', message: 'self-signed certificate in certificate chain' },
      { ...ctx, tls },
      'connecting',
    );
    expect(chain.code).toBe('TW_SOURCE_TLS');
    expect(chain.describe()).toMatch(
      /CA: source\.tls\.ca \/etc\/tw\/ca\.pem[\s\S]*fix: .*not trusted by source\.tls\.ca \/etc\/tw\/ca\.pem/,
    );
    const host = tlsError("Hostname/IP does not match certificate's altnames: Host: db.example.", '', { ...ctx, tls });
    expect(host).toBeUndefined(); // the code decides, not the text alone
    const named = mapDriverError(
      { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" },
      { ...ctx, tls },
      'connecting',
    );
    expect(named.details.fix).toMatch(/does not name db\.example.*verify-ca/);
    expect(named.describe()).not.toContain(ctx.password);
  });
  it('a connection dropped mid-handshake stays an outage (retried)', () => {
    const e = mapDriverError(
      {
        code: 'HANDSHAKE_SSL_ERROR',
        message: 'Client network socket disconnected before secure TLS connection was established',
      },
      ctx,
      'connecting',
    );
    expect(e.code).toBe('TW_SOURCE_UNREACHABLE');
  });
});
