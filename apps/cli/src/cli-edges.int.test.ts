import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@tidewater/testkit';
import type { MariaDbServer } from '@tidewater/testkit';
import type { SourceClient } from '@tidewater/mysql-source';
import { ErrorCodes } from '@tidewater/errors';
import { startStack, type Stack } from './testing/stack.js';

// The CLI as a user runs it: a process, its stdout, stderr and exit code.
const cli = fileURLToPath(new URL('../../../bin/tidewater', import.meta.url));

let stack: Stack;
let db: MariaDbServer;
let source: SourceClient;
let work: string;

beforeAll(async () => {
  stack = await startStack('tw-cli-');
  ({ db, source, work } = stack);
  await source.query('CREATE DATABASE e');
  // A LONGTEXT column: the precheck warns (bus.large_columns), a warning to accept by name.
  await source.query('CREATE TABLE e.t (id INT PRIMARY KEY, v VARCHAR(20), doc LONGTEXT)');
  await source.query(`INSERT INTO e.t SELECT seq, 'seed', NULL FROM e.seq_1_to_500`);
  // No row key: the whole database is migrated with this one excluded.
  await source.query('CREATE TABLE e.nokey (a INT, b INT)');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: string[]): Run {
  const r = spawnSync(cli, args, { cwd: work, env: process.env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running CLI command in its own process group, so a test can press Ctrl-C on the whole group as a terminal does. */
function start(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcess; out: () => string; exited: Promise<Run> } {
  const child = spawn(cli, args, { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, out: () => stdout + stderr, exited };
}

const ctrlC = (child: ChildProcess) => process.kill(-child.pid!, 'SIGINT');

const specFile = (name: string, extra: Record<string, unknown> = {}) => {
  const file = join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      source: { host: db.host, port: db.port, user: db.user, password: db.password },
      destination: { type: 'duckdb', path: join(work, `${name}.duckdb`) },
      migrationTypes: ['schema', 'full', 'incremental'],
      objects: [{ database: 'e', exclude: ['nokey'] }],
      ...extra,
    }),
  );
  return file;
};

/** Lines of the services' logs that say a component overran its stop deadline. */
const slowStops = (stateDir: string) =>
  readdirSync(join(stateDir, 'logs')).flatMap((f) =>
    readFileSync(join(stateDir, 'logs', f), 'utf8')
      .split('\n')
      .filter((l) => l.includes('did not stop within')),
  );

describe('tidewater help and usage errors', () => {
  it('prints help on stdout with exit 0, and a mistyped option as one line with exit 2', () => {
    for (const args of [['--help'], ['migrate', '--help'], ['task', '--help']]) {
      const r = run(args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain('tidewater migrate -f task.yaml');
    }
    const bad = run(['migrate', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--bogus'");
    expect(bad.stderr).not.toContain('ERR_PARSE_ARGS');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every problem of a spec in one run', () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(
      file,
      'name: bad\nsource: { url: "mysql://u:p@127.0.0.1:1" }\nobjects: [{ database: e }]\nchunkRows: 1000\nadditionalColumnRule: new\nconflictMode: overwrite\n',
    );
    const r = run(['migrate', '-f', file, '--state-dir', join(work, 'bad-state')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('3 problems');
    expect(r.stderr).toContain('did you mean "full.chunkRows"');
    expect(r.stderr).toContain('did you mean "incremental.additionalColumnRule"');
    expect(r.stderr).toContain('conflictMode: must be one of');
  });

  it('up refuses an exposed control plane without TLS on screen, before starting any service', async () => {
    const stateDir = join(work, 'exposed');
    const env = { ...process.env };
    for (const k of [
      'TIDEWATER_TLS_CERT',
      'TIDEWATER_TLS_KEY',
      'TIDEWATER_API_TOKEN',
      'TIDEWATER_API_TOKEN_FILE',
      'TIDEWATER_TLS_CLIENT_CA',
    ])
      delete env[k];
    const r = spawnSync(cli, ['up', '--grpc', `0.0.0.0:${await freePort()}`, '--state-dir', stateDir], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('TW_SPEC_INVALID');
    expect(r.stderr).toContain('without TLS');
    expect(r.stderr).toContain('fix: bind to 127.0.0.1');
    expect(existsSync(join(stateDir, 'logs', 'coordinator.log'))).toBe(false);
  });
});

describe('tidewater migrate when the task halts', () => {
  it('prints its control plane, exits non-zero with the reason when the task pauses, and resumes on the same command', async () => {
    const file = specFile('halt');
    const stateDir = join(work, 'halt-state');
    const first = start(['migrate', '-f', file, '--state-dir', stateDir]);
    const address = await waitFor(async () => /control plane (127\.0\.0\.1:\d+)/.exec(first.out())?.[1], {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: 'the control plane address on screen',
    });
    await waitFor(
      async () => {
        const s = run(['task', 'status', 'halt', '--grpc', address, '--json']);
        return s.code === 0 && s.stdout.includes('"stage": "INCREMENTAL"');
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'the task to reach incremental' },
    );
    // Paused from outside: the run does not wait for ever, it says why and what to run.
    expect(run(['task', 'pause', 'halt', '--grpc', address]).code).toBe(0);
    const paused = await first.exited;
    expect(paused.code).toBe(1);
    expect(paused.stderr).toContain('task halt paused');
    expect(paused.stderr).toContain(`tidewater migrate -f ${file} --state-dir ${stateDir} again: it resumes the task`);

    // The same command resumes it; an unsupported DDL then pauses it with its code and fix on screen.
    const second = start(['migrate', '-f', file, '--state-dir', stateDir]);
    await waitFor(
      async () =>
        second.out().includes('task halt was paused: resuming') && /task halt: incremental/.test(second.out()),
      { timeoutMs: 120_000, intervalMs: 250, what: 'the resumed task' },
    );
    await source.query('ALTER TABLE e.t DROP COLUMN v');
    const ddl = await second.exited;
    expect(ddl.code).toBe(1);
    expect(ddl.stdout).toContain('TW_UNSUPPORTED_DDL: ');
    expect(ddl.stderr).toContain('error: TW_UNSUPPORTED_DDL: task halt paused: ');
    expect(ddl.stderr).toContain(`fix: ${ErrorCodes.TW_UNSUPPORTED_DDL.description}`);
  });
});

describe('tidewater task against tidewater up', () => {
  it('says what happened, names warnings to accept, speaks enum names in JSON, refuses a huge spec, and Ctrl-C ends up and a watch cleanly', async () => {
    const stateDir = join(work, 'up-state');
    const address = `127.0.0.1:${await freePort()}`;
    // Its own private NATS (in the state dir): no task of another test is there.
    const { TIDEWATER_NATS_URL: _shared, ...privateNats } = process.env;
    const up = start(['up', '--grpc', address, '--state-dir', stateDir], privateNats);
    await waitFor(async () => up.out().includes('tidewater is up'), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: 'tidewater up',
    });
    const task = (...args: string[]) => run(['task', ...args, '--grpc', address]);

    expect(task('list').stdout).toContain(`no tasks at ${address}`);
    // Over gRPC's 4 MiB: a spec error naming the limit, not an internal error.
    const huge = join(work, 'huge.json');
    writeFileSync(
      huge,
      JSON.stringify({
        name: 'huge',
        source: { host: db.host, port: db.port },
        objects: [{ database: 'e' }],
        padding: 'x'.repeat(5 * 1024 * 1024),
      }),
    );
    const tooBig = task('create', '-f', huge);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toContain(
      'TW_SPEC_INVALID: the task spec is 5.0 MiB; the control plane accepts at most 4 MiB',
    );

    expect(task('create', '-f', specFile('watched')).code).toBe(0);
    const precheck = task('precheck', 'watched');
    expect(precheck.code).toBe(0);
    const warnings = [...precheck.stdout.matchAll(/^WARNING\s+(\S+)/gm)].map((m) => m[1]!);
    expect(warnings).toContain('bus.large_columns');
    expect(precheck.stdout).toContain(
      `accept them by name: tidewater task start watched --ignore-warnings ${warnings.join(',')}`,
    );
    const refused = task('start', 'watched');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`--ignore-warnings ${warnings.join(',')}`);
    expect(task('start', 'watched', '--ignore-warnings', warnings.join(',')).code).toBe(0);
    await waitFor(async () => task('status', 'watched', '--json').stdout.includes('"stage": "INCREMENTAL"'), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'incremental',
    });

    expect(task('create', '-f', specFile('doomed')).code).toBe(0);
    const deleted = task('delete', 'doomed');
    expect(deleted).toMatchObject({ code: 0 });
    expect(deleted.stdout).toContain('task doomed deleted');

    // Ctrl-C on up while a watch is open: every service stops in time, and the watch ends
    // saying its control plane went away.
    const watch = start(['task', 'status', 'watched', '--watch', '--grpc', address]);
    await waitFor(async () => watch.out().includes('task watched: incremental'), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the watch',
    });
    ctrlC(up.child);
    expect((await up.exited).code).toBe(0);
    expect(slowStops(stateDir)).toEqual([]);
    const watched = await watch.exited;
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain(`error: TW_BUS_UNAVAILABLE: the control plane at ${address} stopped answering`);

    // With the sink gone, the warehouse can be read without a DuckDB shell.
    const q = run([
      'query',
      '--csv',
      '--warehouse',
      join(work, 'watched.duckdb'),
      'SELECT count(*) AS n, min(id) AS lo FROM e.t_base',
    ]);
    expect(q).toMatchObject({ code: 0, stdout: 'n,lo\n500,1\n' });
    expect(run(['query', '--warehouse', join(work, 'watched.duckdb'), 'SELECT * FROM e.nokey_base']).stderr).toContain(
      'TW_SPEC_INVALID: query failed',
    );
  });
});
