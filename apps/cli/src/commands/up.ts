import { checkControlPlaneExposure } from '@tidewater/config';
import { startLocal } from '../local-run.js';

/** `tidewater up`: every service on this machine, in the foreground, until Ctrl-C. */
export async function up(opts: { stateDir: string; grpcAddress: string; sinks: number }): Promise<void> {
  // The coordinator's own check, asked here first: refused there, it would only be restarted
  // again and again with the reason in coordinator.log.
  checkControlPlaneExposure(opts.grpcAddress);
  const local = await startLocal({
    stateDir: opts.stateDir,
    incremental: true,
    sinks: opts.sinks,
    grpcAddress: opts.grpcAddress,
    onEvent: (m) => console.log(m),
  });
  console.log(
    `tidewater is up: control plane ${local.grpcAddress}, NATS ${local.natsUrl}, logs in ${opts.stateDir}/logs (Ctrl-C stops)`,
  );
  // Only the task says its destination: a DuckDB task's precheck fails (destination.writers) while several sinks run.
  if (opts.sinks > 1)
    console.log(
      `${opts.sinks} sinks share each task's partitions; a DuckDB destination takes one writer, so its tasks need tidewater up without --sinks`,
    );
  // A private NATS that cannot come back ends the run: nothing can move without it.
  const lost = await new Promise<Error | undefined>((resolve) => {
    process.once('SIGINT', () => resolve(undefined));
    process.once('SIGTERM', () => resolve(undefined));
    void local.lost.then(resolve);
  });
  console.log('stopping …');
  await local.stop();
  if (lost) throw lost;
}
