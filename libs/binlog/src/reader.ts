import ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent, RowsEvent as ZRowsEvent, TableMapEntry } from '@vlasky/zongji';
import type { BinlogPosition, TableSchema } from '@tidewater/proto';
import { TidewaterError } from '@tidewater/errors';
import { sourceError, tlsConnectOptions, type SourceConnection } from '@tidewater/mysql-source';
import type { CanonicalValue } from '@tidewater/rowcodec';
import { decoderFor, type ValueDecoder } from './value-decoder.js';
import { makePosition } from './position.js';
import { EventQueue } from './event-queue.js';
import { GtidTracker } from './gtid-state.js';
import type { ResumePlan } from './resume-plan.js';
import type { BinlogHandlers, BinlogReader, RowChange, RowChangeKind } from './types.js';

interface TableDecoding {
  readonly schema: TableSchema;
  readonly decoders: ValueDecoder[];
}

const ROW_EVENTS: Record<string, RowChangeKind> = { WriteRows: 'insert', UpdateRows: 'update', DeleteRows: 'delete' };

/** Idle time after which the source sends a heartbeat event (1 s): lag is known while idle. */
const HEARTBEAT_PERIOD_NS = 1_000_000_000;

function key(db: string, table: string): string {
  return `${db}\u0000${table}`.toLowerCase();
}

/**
 * The one place that knows @vlasky/zongji. Events are decoded against the TableSchema the
 * task recorded (never against a guess), converted to canonical values, and delivered to
 * the handlers strictly in order.
 */
class ZongjiReader implements BinlogReader {
  private zongji: ZongJi | undefined;
  private readonly tables = new Map<string, TableDecoding>();
  private stopped = false;
  private file = '';
  /** End of the last transaction boundary seen: the start of the open transaction. */
  private txnStart = 0n;
  private txnRows = 0;
  private from: BinlogPosition | undefined;
  private gtids = new GtidTracker('');
  private epoch = 0;
  private server = '';
  /**
   * False after a GTID start until the first transaction boundary: the server sends a fake
   * rotate to the start of the file it skips through, which is no resume point of ours.
   */
  private settled = true;

  constructor(
    private readonly conn: SourceConnection,
    private readonly serverId: number,
  ) {}

  updateSchema(schema: TableSchema): void {
    const ref = schema.source!;
    const name = `${ref.database}.${ref.table}`;
    this.tables.set(key(ref.database, ref.table), { schema, decoders: schema.columns.map((c) => decoderFor(c, name)) });
  }

  async start(plan: ResumePlan, tables: readonly TableSchema[], handlers: BinlogHandlers): Promise<void> {
    this.server = plan.server;
    if (plan.kind === 'position') {
      const from = plan.from;
      this.from = from;
      this.file = from.file;
      this.txnStart = from.pos;
      this.epoch = from.epoch;
      this.gtids = new GtidTracker(from.gtid);
    } else {
      this.epoch = plan.epoch;
      this.gtids = new GtidTracker(plan.gtid);
      this.settled = false;
    }
    for (const t of tables) this.updateSchema(t);
    const includeSchema: Record<string, string[]> = {};
    for (const t of tables) (includeSchema[t.source!.database] ??= []).push(t.source!.table);

    // TLS as every other source connection has it (source.tls): settled by the source adapter.
    const tls = await tlsConnectOptions(this.conn);
    const zongji = new ZongJi({
      ...tls,
      host: this.conn.host,
      port: this.conn.port,
      user: this.conn.user,
      password: this.conn.password,
      dateStrings: true,
      // MySQL 8 binary JSON as the server's own text (what SELECT returns), not re-serialised.
      jsonStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      charset: 'utf8mb4',
      timezone: 'Z',
    });
    this.zongji = zongji;
    let failed = false;
    const failWith = (e: Error) => {
      if (failed || this.stopped) return;
      failed = true;
      handlers.onError(e);
    };
    // The driver's errors are the source's; a handler's error is the caller's own and keeps
    // its class (a bus outage in capture is not the source being unreachable).
    const fail = (e: unknown) => failWith(this.mapError(e));
    const queue = new EventQueue<AnyBinlogEvent>(
      (ev) => this.dispatch(ev, handlers),
      () => zongji.connection?.pause(),
      () => zongji.connection?.resume(),
      (e) => failWith(e instanceof Error ? e : new Error(String(e))),
    );
    zongji.on('binlog', (ev: AnyBinlogEvent) => {
      if (!this.stopped) queue.push(ev);
    });
    zongji.on('error', fail);
    await new Promise<void>((resolve, reject) => {
      zongji.once('ready', () => {
        // Queued on the binlog connection before the dump command zongji adds right after
        // 'ready': the source then sends a heartbeat event after each idle second.
        zongji.connection?.query(`SET @master_heartbeat_period = ${HEARTBEAT_PERIOD_NS}`, () => undefined);
        resolve();
      });
      zongji.once('error', (e: unknown) => reject(this.mapError(e)));
      zongji.start({
        serverId: this.serverId,
        ...(plan.kind === 'position'
          ? { filename: plan.from.file, position: Number(plan.from.pos) }
          : { gtidSet: plan.gtid }),
        includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query', 'heartbeat'],
        includeSchema,
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const z = this.zongji;
    if (!z) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 5_000);
      z.once('stopped', () => {
        clearTimeout(t);
        resolve();
      });
      z.stop();
    });
  }

  private async dispatch(ev: AnyBinlogEvent, h: BinlogHandlers): Promise<void> {
    if (this.stopped) return;
    const ts = Math.floor(ev.timestamp / 1000);
    switch (ev.getTypeName()) {
      case 'Rotate': {
        const r = ev as Extract<AnyBinlogEvent, { getTypeName(): 'Rotate' }>;
        this.file = r.binlogName;
        this.txnStart = BigInt(r.position);
        if (this.settled) await h.onIdle?.(this.at(this.file, this.txnStart), ts);
        return;
      }
      case 'Xid':
        await this.commit(h, BigInt(ev.nextPosition), ts, ev.gtid);
        return;
      case 'Heartbeat': {
        const hb = ev as Extract<AnyBinlogEvent, { getTypeName(): 'Heartbeat' }>;
        // Only at a transaction boundary is the heartbeat position a resume point.
        if (this.txnRows > 0 || !hb.binlogName || !this.settled) return;
        await h.onHeartbeat?.(this.at(hb.binlogName, BigInt(hb.position ?? hb.nextPosition)));
        return;
      }
      case 'Query': {
        const q = ev as Extract<AnyBinlogEvent, { getTypeName(): 'Query' }>;
        const text = q.query.trim();
        if (/^BEGIN$/i.test(text) || /^XA (START|END)/i.test(text)) return;
        if (/^COMMIT$/i.test(text) || /^XA COMMIT/i.test(text)) {
          await this.commit(h, BigInt(ev.nextPosition), ts, ev.gtid);
          return;
        }
        if (/^(ROLLBACK|SAVEPOINT)/i.test(text)) return;
        // DDL runs as its own implicit transaction.
        this.gtids.add(ev.gtid);
        this.settled = true;
        const pos = this.at(this.file, BigInt(ev.nextPosition));
        this.txnStart = pos.pos;
        this.txnRows = 0;
        await h.onDdl(q.schema, text, pos, ts);
        return;
      }
      case 'WriteRows':
      case 'UpdateRows':
      case 'DeleteRows':
        await this.rows(ev as unknown as ZRowsEvent & { rows: unknown[] }, ROW_EVENTS[ev.getTypeName()]!, h, ts);
        return;
      default:
        return;
    }
  }

  private async commit(h: BinlogHandlers, next: bigint, ts: number, gtid: string | undefined): Promise<void> {
    this.gtids.add(gtid);
    this.settled = true;
    const pos = this.at(this.file, next);
    this.txnStart = next;
    this.txnRows = 0;
    await h.onCommit(pos, ts);
  }

  private async rows(
    ev: ZRowsEvent & { rows: unknown[] },
    kind: RowChangeKind,
    h: BinlogHandlers,
    ts: number,
  ): Promise<void> {
    const meta: TableMapEntry | undefined = ev.tableMap[ev.tableId];
    if (!meta) return;
    const t = this.tables.get(key(meta.parentSchema, meta.tableName));
    if (!t) return;
    const cols = t.schema.columns;
    if (meta.columns && meta.columns.length !== cols.length) {
      throw new TidewaterError(
        'TW_UNSUPPORTED_DDL',
        `binlog rows of ${meta.parentSchema}.${meta.tableName} have ${meta.columns.length} columns, the migrated schema has ${cols.length}: the table changed outside the task`,
        {
          subject: `${meta.parentSchema}.${meta.tableName}`,
        },
      );
    }
    // zongji names row fields after the live information_schema; map them by position to
    // the recorded schema so a renamed column can never shift values.
    const names = meta.columns ? meta.columns.map((c) => c.name) : cols.map((c) => c.name);
    const decode = (row: Record<string, unknown>): CanonicalValue[] => names.map((n, i) => t.decoders[i]!(row[n]));
    const changes: RowChange[] = ev.rows.map((r) => {
      if (kind === 'update') {
        const u = r as { before: Record<string, unknown>; after: Record<string, unknown> };
        return { before: decode(u.before), after: decode(u.after) };
      }
      const values = decode(r as Record<string, unknown>);
      return kind === 'insert' ? { after: values } : { before: values };
    });
    const firstRowIndex = this.txnRows;
    this.txnRows += changes.length;
    await h.onRows({
      table: t.schema.source!,
      kind,
      rows: changes,
      file: this.file,
      txnStart: this.txnStart,
      epoch: this.epoch,
      firstRowIndex,
      timestamp: ts,
    });
  }

  /** A position in the history being read: its GTIDs so far, its epoch and server (F1). */
  private at(file: string, pos: bigint): BinlogPosition {
    return makePosition(file, pos, { gtid: this.gtids.text, epoch: this.epoch, server: this.server });
  }

  /** The one classification of source errors (libs/mysql-source), by driver code: 1236 is a purged binlog. */
  private mapError(e: unknown): Error {
    return sourceError(e, { ...this.conn, binlogStream: { from: this.from } }, 'streaming the binlog');
  }
}

export function createBinlogReader(conn: SourceConnection, opts: { serverId: number }): BinlogReader {
  return new ZongjiReader(conn, opts.serverId);
}
