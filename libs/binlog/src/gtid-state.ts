import { GtidSet } from '@vlasky/zongji';

/**
 * GTID state along the stream and between servers. Two notations: a MySQL GTID set
 * ("uuid:1-5:7,uuid2:1-3", tagged "uuid:tag:1-3") and a MariaDB GTID position
 * ("domain-server-seq,…", the last transaction per replication domain). MySQL sets always
 * hold ':', MariaDB positions never do.
 */
const isMysql = (text: string) => text.includes(':');

/** Whether `server` (its executed GTIDs) holds every transaction of `saved`. An empty `saved` is covered. */
export function gtidCovers(server: string, saved: string): boolean {
  if (!saved.trim()) return true;
  if (isMysql(saved) !== isMysql(server) && server.trim()) return false;
  return isMysql(saved) ? mysqlCovers(server, saved) : mariadbCovers(server, saved);
}

/** Within a domain MariaDB numbers transactions in binlog order, across failovers too. */
function mariadbCovers(server: string, saved: string): boolean {
  const have = new Map(mariadbEntries(server).map((e) => [e.domain, e.seq]));
  return mariadbEntries(saved).every((e) => (have.get(e.domain) ?? -1n) >= e.seq);
}

function mariadbEntries(text: string): { domain: string; seq: bigint }[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [domain, , seq] = s.split('-');
      return { domain: domain!, seq: BigInt(seq!) };
    });
}

/** MariaDB: every domain of `saved` has exactly its entry in `server` (other domains aside). */
export function sameEntries(server: string, saved: string): boolean {
  const have = new Set(server.split(',').map((e) => e.trim()));
  return saved
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .every((e) => have.has(e));
}

type Intervals = [bigint, bigint][];

function mysqlCovers(server: string, saved: string): boolean {
  const have = mysqlIntervals(server);
  for (const [key, wanted] of mysqlIntervals(saved)) {
    const own = have.get(key) ?? [];
    if (!wanted.every(([a, b]) => own.some(([x, y]) => x <= a && b <= y))) return false;
  }
  return true;
}

/** Intervals per source uuid (and tag), as the server prints them: merged, so containment is per interval. */
function mysqlIntervals(text: string): Map<string, Intervals> {
  const out = new Map<string, Intervals>();
  for (const part of text.replace(/\s+/g, '').split(',').filter(Boolean)) {
    const [uuid, ...rest] = part.split(':');
    let key = uuid!.toLowerCase();
    for (const seg of rest) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(seg);
      if (!m) {
        key = `${uuid!.toLowerCase()}:${seg}`;
        continue;
      }
      const list = out.get(key) ?? [];
      list.push([BigInt(m[1]!), BigInt(m[2] ?? m[1]!)]);
      out.set(key, list);
    }
  }
  return out;
}

/**
 * The GTIDs executed up to the stream's current transaction boundary, from a seed valid at
 * the start position plus each committed transaction's GTID. A MySQL set cannot be known
 * without its seed (it names every transaction ever executed), so it stays unknown ('');
 * a MariaDB position only names the last transaction per domain, so it can.
 */
export class GtidTracker {
  private mysql: GtidSet | undefined;
  private readonly mariadb = new Map<string, string>();
  private unknown = false;
  private cached: string;

  constructor(seed: string) {
    this.cached = seed.trim();
    if (!this.cached) return;
    if (isMysql(this.cached)) this.mysql = GtidSet.parse(this.cached);
    else for (const e of this.cached.split(',')) this.mariadb.set(e.trim().split('-')[0]!, e.trim());
  }

  /** A transaction committed under `gtid` (undefined: an anonymous one, nothing to record). */
  add(gtid: string | undefined): void {
    if (!gtid || this.unknown) return;
    if (isMysql(gtid)) {
      if (!this.mysql) {
        // Without a seed the set would claim only what this stream saw.
        this.unknown = true;
        this.cached = '';
        return;
      }
      this.mysql.add(gtid);
      this.cached = this.mysql.toString();
      return;
    }
    this.mariadb.set(gtid.split('-')[0]!, gtid);
    this.cached = [...this.mariadb.values()].join(',');
  }

  get text(): string {
    return this.cached;
  }
}
