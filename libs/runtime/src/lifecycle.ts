import type { Logger } from '@tidewater/telemetry';

/** A part of a service with a start and a stop. Components stop in reverse start order. */
export interface Component {
  readonly name: string;
  /** Resolves once the component is running. `signal` aborts when the service stops. */
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts components in order; on SIGTERM/SIGINT (or `stop()`), aborts the shared signal and
 * stops them in reverse order, each given `stopTimeoutMs` before the next goes.
 */
export class Lifecycle {
  private readonly started: Component[] = [];
  private readonly controller = new AbortController();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly log: Logger,
    private readonly stopTimeoutMs = 10_000,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async start(components: readonly Component[]): Promise<void> {
    for (const c of components) {
      if (this.controller.signal.aborted) return;
      await c.start(this.controller.signal);
      this.started.push(c);
      this.log.debug('component started', { component: c.name });
    }
  }

  handleSignals(onStopped: (code: number) => void = (code) => process.exit(code)): void {
    const handler = (sig: NodeJS.Signals) => {
      this.log.info('stopping', { signal: sig });
      this.stop().then(
        () => onStopped(0),
        () => onStopped(1),
      );
    };
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.controller.abort();
    for (const c of [...this.started].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.stop(),
          new Promise<void>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`${c.name} did not stop within ${this.stopTimeoutMs} ms`)),
              this.stopTimeoutMs,
            );
          }),
        ]);
      } catch (e) {
        this.log.warn('component stop failed', { component: c.name, err: e });
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
