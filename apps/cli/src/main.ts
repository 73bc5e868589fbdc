#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEFAULT_GRPC_ADDRESS } from '@tidewater/config';
import { TidewaterError, isTidewaterError } from '@tidewater/errors';
import { migrate } from './commands/migrate.js';
import { toJson } from './json-output.js';

const USAGE = `tidewater — MySQL-family → warehouse data migration

  tidewater demo [--warehouse FILE]        sandbox MariaDB with a sample database → ./warehouse.duckdb
  tidewater migrate -f task.yaml [--json]  run a task on this machine (all services, private NATS)
  tidewater up [--grpc ADDR]               run every service here until Ctrl-C (control plane on ADDR)
  tidewater task create -f task.yaml       then: task precheck|start|status [--watch]|pause|resume|stop|delete ID, task list
  tidewater task update ID -f task.yaml    change source/credentials, throttle, retry, heartbeat of a paused or failed task
  tidewater task resync ID DB.TABLE | --all
                                           copy a table (--all: every table) again while changes stream;
                                           --all also recovers a task failed with TW_BINLOG_PURGED/RESET, TW_SOURCE_CHANGED
  tidewater task throttle ID [--full-rps N] [--full-mbps N] [--full-qps N] [--inc-rps N] [--inc-mbps N]   (0 = no limit)
  tidewater query -f task.yaml | --task ID | --warehouse FILE "SQL"
                                           one read-only statement on the DuckDB warehouse, also while the
                                           task runs (its sink answers); table output, or --json / --csv
  tidewater export -f task.yaml | --task ID | --warehouse FILE --format parquet --out DIR
                                           each table's _base, _log and _merged as Parquet, one snapshot
                                           (while a task runs its sink writes DIR, on the sink's machine)

options:
  --state-dir DIR   where the local NATS store and service logs live (default ./.tidewater)
  --sinks N         sink instances (default 1)
  --grpc ADDR       control plane of \`task …\` (default $TIDEWATER_GRPC_ADDRESS or ${DEFAULT_GRPC_ADDRESS})
  --json            machine-readable output
  --csv             query: CSV output
  --max-rows N      query: at most N rows (default 10000; a live answer is also capped to one bus message)
  --timeout SEC     query/export: interrupt after SEC seconds (default 60 / 1800)
  -h, --help        this text
`;

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  json: { type: 'boolean', default: false },
  'state-dir': { type: 'string', default: '.tidewater' },
  warehouse: { type: 'string' },
  task: { type: 'string' },
  csv: { type: 'boolean', default: false },
  format: { type: 'string', default: 'parquet' },
  out: { type: 'string' },
  'max-rows': { type: 'string' },
  timeout: { type: 'string' },
  sinks: { type: 'string', default: '1' },
  grpc: { type: 'string', default: process.env.TIDEWATER_GRPC_ADDRESS ?? DEFAULT_GRPC_ADDRESS },
  watch: { type: 'boolean', default: false },
  all: { type: 'boolean', default: false },
  'ignore-warnings': { type: 'string', default: '' },
  'full-qps': { type: 'string' },
  'full-rps': { type: 'string' },
  'full-mbps': { type: 'string' },
  'inc-rps': { type: 'string' },
  'inc-mbps': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const HELP = new Set(['help', '--help', '-h']);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || HELP.has(command)) {
    console.log(USAGE);
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    // A mistyped option is a usage error, not a crash: no stack trace.
    console.error(
      `tidewater ${command}: ${(e as Error).message.split('. To specify')[0]}\n(tidewater --help lists the commands and options)`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'demo': {
      // Loaded on demand: only the demo needs the sandbox database kit.
      const { demo } = await import('./commands/demo.js');
      await demo({ warehouse: values.warehouse ?? './warehouse.duckdb', stateDir: values['state-dir']! });
      return 0;
    }
    case 'migrate': {
      if (!values.file) {
        console.error('tidewater migrate: -f task.yaml is required (docs/task-spec.md)');
        return 2;
      }
      const { task } = await migrate({
        file: values.file,
        stateDir: values['state-dir']!,
        json: values.json!,
        sinks: Number(values.sinks),
      });
      if (values.json) console.log(toJson(task));
      return 0;
    }
    case 'query': {
      if (positionals.length !== 1) {
        console.error(
          'tidewater query: give one SQL statement in quotes, e.g. tidewater query -f task.yaml "SELECT * FROM shop.customer_merged LIMIT 5"',
        );
        return 2;
      }
      const { query } = await import('./commands/query.js');
      await query({
        ...target(values),
        sql: positionals[0]!,
        format: values.json ? 'json' : values.csv ? 'csv' : 'table',
        maxRows: count(values['max-rows'], '--max-rows'),
        timeoutMs: seconds(values.timeout),
      });
      return 0;
    }
    case 'export': {
      if (!values.out) {
        console.error(
          'tidewater export: --out DIR is required, e.g. tidewater export -f task.yaml --format parquet --out ./export',
        );
        return 2;
      }
      const { exportCommand } = await import('./commands/export.js');
      await exportCommand({
        ...target(values),
        format: values.format!,
        out: values.out,
        json: values.json!,
        timeoutMs: seconds(values.timeout),
      });
      return 0;
    }
    case 'up': {
      const { up } = await import('./commands/up.js');
      await up({ stateDir: values['state-dir']!, grpcAddress: values.grpc!, sinks: Number(values.sinks) });
      return 0;
    }
    case 'task': {
      const { task } = await import('./commands/task.js');
      return task(positionals[0], positionals[1], {
        address: values.grpc!,
        json: values.json!,
        file: values.file,
        watch: values.watch!,
        ignoreWarnings: values['ignore-warnings']!.split(',').filter(Boolean),
        resync: { table: positionals[2], all: values.all! },
        throttle: {
          fullQps: values['full-qps'],
          fullRps: values['full-rps'],
          fullMbps: values['full-mbps'],
          incrementalRps: values['inc-rps'],
          incrementalMbps: values['inc-mbps'],
        },
      });
    }
    default:
      console.error(`tidewater: unknown command ${command}\n\n${USAGE}`);
      return 2;
  }
}

/** The warehouse a query or export reads (warehouse-target.ts). */
function target(values: { file?: string; task?: string; warehouse?: string; 'state-dir'?: string }) {
  return { file: values.file, task: values.task, warehouse: values.warehouse, stateDir: values['state-dir']! };
}

function count(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new TidewaterError('TW_SPEC_INVALID', `${flag} ${v} is not a positive integer`, {
      subject: flag,
      fix: `pass ${flag} N, N ≥ 1`,
    });
  return n;
}

function seconds(v: string | undefined): number | undefined {
  return v === undefined ? undefined : count(v, '--timeout')! * 1000;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(isTidewaterError(e) ? `error: ${e.describe()}` : `error: ${(e as Error).stack ?? String(e)}`);
    process.exit(isTidewaterError(e) && e.code === 'TW_SPEC_INVALID' ? 2 : 1);
  },
);
