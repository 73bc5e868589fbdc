import { CheckStatus, type PrecheckItem } from '@tidewater/proto';
import type { TaskSpec } from '@tidewater/config';

/**
 * Precheck item `destination.writers`: a DuckDB file takes one writing process, so with more
 * than one sink instance running, the partitions leased to the others could never be written
 * (each would fail to open the file). Other destinations take any number of sinks.
 */
export function sinkWritersItem(spec: Pick<TaskSpec, 'destination'>, liveSinks: readonly string[]): PrecheckItem {
  const n = liveSinks.length;
  if (spec.destination.type === 'duckdb' && n > 1) {
    return {
      name: 'destination.writers',
      status: CheckStatus.CHECK_STATUS_FAILED,
      message: `${n} sink instances are running (${liveSinks.join(', ')}), but the DuckDB file ${spec.destination.path} takes one writer`,
      fix: 'run one sink for a DuckDB destination (tidewater up without --sinks, docker compose --scale sink=1, replicas: 1), or write to a destination that takes several',
    };
  }
  return {
    name: 'destination.writers',
    status: CheckStatus.CHECK_STATUS_PASSED,
    message: `${n} sink instance(s) running`,
    fix: '',
  };
}
