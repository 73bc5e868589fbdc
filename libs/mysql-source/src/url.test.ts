import { describe, expect, it } from 'vitest';
import { TidewaterError } from '@tidewater/errors';
import { parseSourceUrl } from './url.js';

describe('parseSourceUrl', () => {
  it('parses user, password, host and port', () => {
    expect(parseSourceUrl('mysql://repl:secret@db.example.com:3307')).toEqual({
      host: 'db.example.com',
      port: 3307,
      user: 'repl',
      password: 'secret',
    });
  });

  it('defaults the port to 3306 and ignores a database path', () => {
    expect(parseSourceUrl('mysql://u:p@10.0.0.5/shop')).toEqual({
      host: '10.0.0.5',
      port: 3306,
      user: 'u',
      password: 'p',
    });
    expect(parseSourceUrl('mariadb://u:p@h:1234/')).toEqual({ host: 'h', port: 1234, user: 'u', password: 'p' });
  });

  it('percent-decodes user and password', () => {
    const password = 'p@ss:w/rd?#%é 😀';
    expect(parseSourceUrl(`mysql://${encodeURIComponent('dts user')}:${encodeURIComponent(password)}@h:1`)).toEqual({
      host: 'h',
      port: 1,
      user: 'dts user',
      password,
    });
  });

  it('accepts an empty password and an IPv6 host', () => {
    expect(parseSourceUrl('mysql://root@[::1]:3306')).toEqual({ host: '::1', port: 3306, user: 'root', password: '' });
  });

  it('rejects malformed URLs without echoing the password', () => {
    for (const url of [
      'not a url',
      'postgres://u:hunter2secret@h:5432',
      'mysql://:hunter2secret@h',
      'mysql://u:hunter2secret@h:99999',
      'mysql://u:%E0%A4%Ahunter2secret@h',
    ]) {
      let err: unknown;
      try {
        parseSourceUrl(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TidewaterError);
      expect((err as TidewaterError).code).toBe('TW_SPEC_INVALID');
      expect((err as TidewaterError).message).not.toContain('hunter2secret');
    }
  });
});
