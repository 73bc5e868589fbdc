import { describe, expect, it } from 'vitest';
import { newSecretKey, openSpec, parseTaskSpec, sealSpec, secretKeyFromEnv } from './index.js';

const spec = parseTaskSpec('name: t\nsource: { url: "mysql://u:hunter2@h:3306" }\nobjects: [{ database: d }]\n');

describe('secrets at rest', () => {
  it('encrypts the password and decrypts it with the same key only', () => {
    const key = secretKeyFromEnv({ TIDEWATER_SECRET_KEY: newSecretKey() });
    const sealed = sealSpec(spec, key);
    expect(JSON.stringify(sealed)).not.toContain('hunter2');
    expect(sealed.source.password).toMatch(/^enc:v1:/);
    expect(openSpec(sealed, key).source.password).toBe('hunter2');
    const other = secretKeyFromEnv({ TIDEWATER_SECRET_KEY: newSecretKey() });
    expect(() => openSpec(sealed, other)).toThrow(/cannot be decrypted/);
  });
  it('refuses to run without a key, saying how to make one', () => {
    expect(() => secretKeyFromEnv({})).toThrow(/no key to encrypt task secrets/);
    expect(() => secretKeyFromEnv({ TIDEWATER_SECRET_KEY: 'abcd' })).toThrow(/32 bytes/);
  });
});
