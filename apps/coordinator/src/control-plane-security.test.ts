import { describe, expect, it } from 'vitest';
import { bindHost } from '@tidewater/config';
import { controlPlaneSecurity } from './control-plane-security.js';

describe('control plane security', () => {
  it('reads the host of a bind address', () => {
    expect(bindHost('127.0.0.1:7233')).toBe('127.0.0.1');
    expect(bindHost('[::1]:7233')).toBe('[::1]');
    expect(bindHost('0.0.0.0:7233')).toBe('0.0.0.0');
  });

  it('allows plaintext without a token on loopback only', () => {
    expect(controlPlaneSecurity('127.0.0.1:7233', {}).summary).toBe('plaintext (loopback)');
    expect(controlPlaneSecurity('localhost:7233', {}).interceptors).toHaveLength(0);
    expect(() => controlPlaneSecurity('0.0.0.0:7233', {})).toThrow(/would listen on 0\.0\.0\.0:7233 without TLS/);
    expect(() => controlPlaneSecurity('10.1.2.3:7233', { TIDEWATER_API_TOKEN: 'x' })).toThrow(/without TLS/);
  });

  it('refuses TLS on an exposed address without a caller check, and half a certificate pair', () => {
    expect(() =>
      controlPlaneSecurity('0.0.0.0:7233', {
        TIDEWATER_TLS_CERT: '/nonexistent.pem',
        TIDEWATER_TLS_KEY: '/nonexistent.key',
      }),
    ).toThrow(/without authenticating callers/);
    expect(() => controlPlaneSecurity('127.0.0.1:7233', { TIDEWATER_TLS_CERT: '/c.pem' })).toThrow(
      /must be set together/,
    );
    expect(() =>
      controlPlaneSecurity('0.0.0.0:7233', {
        TIDEWATER_TLS_CERT: '/nonexistent.pem',
        TIDEWATER_TLS_KEY: '/k',
        TIDEWATER_API_TOKEN: 't',
      }),
    ).toThrow(/cannot read TIDEWATER_TLS_CERT \/nonexistent.pem: ENOENT/);
  });

  it('checks a token on loopback when one is configured, and never shows it', () => {
    const s = controlPlaneSecurity('127.0.0.1:7233', { TIDEWATER_API_TOKEN: 'tok-123456' });
    expect(s.interceptors).toHaveLength(1);
    expect(s.summary).not.toContain('tok-123456');
  });
});
