import { openSource, type SourceClient, type SourceConnection } from '@tidewater/mysql-source';
import type { MariaDbReplica, MariaDbServer } from '@tidewater/testkit';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const connOf = (s: MariaDbServer): SourceConnection => ({
  host: s.host,
  port: s.port,
  user: s.user,
  password: s.password,
});

/**
 * The source at this moment: the primary until the failover, the promoted replica after it
 * (the old primary stays down). The writer's transactions and the ADD COLUMN run as turns;
 * `exclusive` waits for the running turn and holds new ones, so no write reaches the primary
 * after the replica has caught up with it. Such a write would be lost with the primary, as in
 * any asynchronous failover; the soak checks what Tidewater does with the source's history,
 * not the replication's.
 */
export class SoakSource {
  private turns = 0;
  private held: Promise<void> | undefined;
  private promoted = false;

  private constructor(
    public server: MariaDbServer,
    /** The writer's session. */
    public writes: SourceClient,
    /** A second session: the ALTER must not land inside one of the writer's open transactions. */
    public ddl: SourceClient,
    readonly replica: MariaDbReplica,
  ) {}

  static async open(primary: MariaDbServer, replica: MariaDbReplica): Promise<SoakSource> {
    return new SoakSource(primary, await openSource(connOf(primary)), await openSource(connOf(primary)), replica);
  }

  get failedOver(): boolean {
    return this.promoted;
  }

  async turn<T>(fn: () => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    this.turns++;
    try {
      return await fn();
    } finally {
      this.turns--;
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    let release!: () => void;
    this.held = new Promise((r) => (release = r));
    try {
      while (this.turns > 0) await sleep(20);
      return await fn();
    } finally {
      this.held = undefined;
      release();
    }
  }

  /** After `replica.promote()`: the sessions move to the replica, which is the source from now on. */
  async switchToReplica(): Promise<void> {
    const old = [this.writes, this.ddl];
    this.writes = await openSource(connOf(this.replica));
    this.ddl = await openSource(connOf(this.replica));
    this.server = this.replica;
    this.promoted = true;
    await Promise.all(old.map((c) => c.close().catch(() => undefined)));
  }

  /** A fault: restarts whichever server is the source now. */
  async restart(): Promise<void> {
    await this.server.restart!();
    if (!this.promoted) return;
    // The replica's command line says read_only: back from a restart, the promoted one is
    // made writable again, as an operator's failover tooling would (it is the primary now).
    const c = await openSource(connOf(this.server));
    try {
      await c.query('SET GLOBAL read_only = OFF');
    } finally {
      await c.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.writes.close(), this.ddl.close()].map((p) => p.catch(() => undefined)));
  }
}
