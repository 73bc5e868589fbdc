import { describe, expect, it } from 'vitest';
import { describeEngine, parseEngines, testEngines } from './index.js';

describe('source engines', () => {
  it('defaults to the local MariaDB', async () => {
    expect(parseEngines(undefined)).toEqual([{ kind: 'mariadb-local', name: 'mariadb-local' }]);
    expect(parseEngines(' , ')).toEqual([{ kind: 'mariadb-local', name: 'mariadb-local' }]);
    expect(await testEngines({})).toEqual([{ kind: 'mariadb-local', name: 'mariadb-local' }]);
  });

  it('parses a list of local and container engines, without duplicates', () => {
    expect(parseEngines('mariadb-local, mysql:8.0,mysql:8.4,mariadb:11.4,mysql:8.0').map((e) => e.name)).toEqual([
      'mariadb-local',
      'mysql:8.0',
      'mysql:8.4',
      'mariadb:11.4',
    ]);
    expect(parseEngines('mysql:8.4')).toEqual([
      { kind: 'container', name: 'mysql:8.4', flavor: 'mysql', image: 'mysql:8.4' },
    ]);
  });

  it('rejects an unknown engine, naming it and the accepted forms', () => {
    expect(() => parseEngines('mariadb-local,postgres:15')).toThrow(/unknown source engine "postgres:15"/);
    expect(() => parseEngines('mysql')).toThrow(/"mysql"/);
  });

  it('fails, naming Docker, when a container engine is asked for and no Docker engine answers', async () => {
    const env = { TIDEWATER_TEST_ENGINES: 'mariadb-local,mysql:8.0', DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    const err = await testEngines(env).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; describe(): string },
    );
    expect(err?.code).toBe('TW_SERVER_MISSING');
    expect(err?.message).toContain('mysql:8.0');
    expect(err?.message).toContain('no Docker engine answers at unix:///nonexistent/docker.sock');
    expect(err?.describe()).toContain('start a Docker engine');
  });

  it('describes the local engine by version and binary, and never prints a URL', () => {
    expect(describeEngine(parseEngines(undefined)[0]!, {})).toMatch(
      /^mariadb-local \(MariaDB \d+\.\d+\.\d+ from \/.*mariadbd\)$/,
    );
    const viaUrl = describeEngine(parseEngines(undefined)[0]!, { TIDEWATER_TEST_MYSQL_URL: 'mysql://u:secret@h:3306' });
    expect(viaUrl).not.toContain('secret');
  });
});
