import { expect } from 'vitest';
import { startMariaDb, type MariaDbServer } from '@tidewater/testkit';
import type { CanonicalValue } from '@tidewater/rowcodec';
import type { TableSchema } from '@tidewater/proto';
import { openSource, type ChunkBounds, type SourceClient, type SourceConnection } from './index.js';
import { allTypesDdl, TYPE_ROWS } from './int-all-types.js';

// The server, tables, reads and checks of mysql-source.int.test.ts (the all_types table in int-all-types.ts).

/** Every table the tests read: all types, composite, string, sparse and dense keys, reserved words, a view, 200k rows. */
export async function createFixtures(q: (sql: string) => Promise<unknown>, db: string, nokeyDb: string): Promise<void> {
  await q(`DROP DATABASE IF EXISTS ${db}`);
  await q(`CREATE DATABASE ${db} CHARACTER SET utf8mb4`);
  await q(allTypesDdl(db));
  // Written in +05:00: the TIMESTAMP must read back in UTC whatever zone wrote it.
  await q(`SET time_zone = '+05:00'`);
  await q(`INSERT INTO ${db}.all_types VALUES ${TYPE_ROWS.join(',')}`);
  await q(`SET time_zone = '+00:00'`);
  await q(
    `CREATE TABLE ${db}.composite (region CHAR(2) NOT NULL, seq INT NOT NULL, note VARCHAR(20), PRIMARY KEY (region, seq)) COLLATE utf8mb4_general_ci`,
  );
  await q(
    `INSERT INTO ${db}.composite SELECT ELT(1 + (seq % 4), 'eu', 'US', 'ap', 'Ça'), seq, CONCAT('n', seq) FROM ${db}.seq_1_to_3000`,
  );
  // Case-insensitive, accent-aware ordering differs from byte order: chunks must follow the server's.
  await q(`CREATE TABLE ${db}.strkey (k VARCHAR(40) NOT NULL PRIMARY KEY, v INT NOT NULL) COLLATE utf8mb4_general_ci`);
  await q(
    `INSERT INTO ${db}.strkey SELECT CONCAT(ELT(1 + seq % 5, 'a', 'B', 'é', 'Z', '😀'), LPAD(seq, 6, '0'), IF(seq % 7 = 0, ' x', '')), seq FROM ${db}.seq_1_to_5000`,
  );
  await q(`CREATE TABLE ${db}.\`order\` (\`select\` INT PRIMARY KEY, \`from\` VARCHAR(10), \`we\`\`ird\` INT)`);
  await q(`INSERT INTO ${db}.\`order\` VALUES (1, 'where', 7), (2, NULL, NULL)`);
  await q(`CREATE TABLE ${db}.empty_one (id INT PRIMARY KEY, v INT)`);
  await q(`DROP DATABASE IF EXISTS ${nokeyDb}`);
  await q(`CREATE DATABASE ${nokeyDb}`);
  await q(`CREATE TABLE ${nokeyDb}.no_key (a INT, b INT NULL, UNIQUE KEY (b))`);
  await q(
    `CREATE TABLE ${db}.uniq (a INT NULL, code CHAR(8) NOT NULL, n INT NOT NULL, UNIQUE KEY wide (code, n), UNIQUE KEY narrow (code))`,
  );
  await q(`INSERT INTO ${db}.uniq VALUES (NULL, 'x', 1), (2, 'y', 2)`);
  await q(`CREATE TABLE ${db}.sparse (id BIGINT UNSIGNED PRIMARY KEY, v INT)`);
  await q(`INSERT INTO ${db}.sparse SELECT seq * 1000003, seq FROM ${db}.seq_1_to_2000`);
  await q(`CREATE VIEW ${db}.a_view AS SELECT * FROM ${db}.composite`);
  await q(
    `CREATE TABLE ${db}.big (id BIGINT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, amount DECIMAL(12,2))`,
  );
  await q(
    `INSERT INTO ${db}.big SELECT seq, seq % 1000, REPEAT(CHAR(65 + seq % 26), 120), MD5(seq), seq / 100 FROM ${db}.seq_1_to_200000`,
  );
  await q(`ANALYZE TABLE ${db}.big, ${db}.composite, ${db}.strkey, ${db}.sparse`);
}

export function expectContiguous(chunks: readonly ChunkBounds[]): void {
  expect(chunks[0]?.lower).toEqual([]);
  expect(chunks.at(-1)?.upper).toEqual([]);
  for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.lower).toEqual(chunks[i - 1]!.upper);
}

export const keyText = (r: readonly unknown[], n: number) =>
  JSON.stringify(r.slice(0, n), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** Schemas and chunk reads of one database's tables through `source`, checking every batch it yields. */
export class FixtureReads {
  constructor(
    private readonly source: SourceClient,
    private readonly db: string,
  ) {}

  async schemaOf(table: string): Promise<TableSchema> {
    const [schema] = await this.source.readSchemas([{ database: this.db, tables: [table] }]);
    if (!schema) throw new Error(`no schema for ${table}`);
    return schema;
  }

  /** The rows of one chunk; each batch holds 1 to `rowsPerBatch` rows. */
  async readAll(
    schema: TableSchema,
    bounds: Pick<ChunkBounds, 'lower' | 'upper'>,
    rowsPerBatch = 500,
    filterSql?: string,
  ): Promise<CanonicalValue[][]> {
    const out: CanonicalValue[][] = [];
    for await (const batch of this.source.readChunk(schema, bounds, { rowsPerBatch, filterSql })) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(rowsPerBatch);
      out.push(...batch);
    }
    return out;
  }

  /** Plans, reads every chunk, and returns the rows with the plan. */
  async readByChunks(table: string, targetRows: number): Promise<{ chunks: ChunkBounds[]; rows: CanonicalValue[][] }> {
    const schema = await this.schemaOf(table);
    const chunks = await this.source.planChunks(schema, { targetRows });
    const rows: CanonicalValue[][] = [];
    for (const c of chunks) rows.push(...(await this.readAll(schema, c)));
    return { chunks, rows };
  }
}

/** A private MariaDB holding the fixtures, a source client on it, and reads of the fixture database. */
export interface FixtureSource {
  readonly server: MariaDbServer;
  readonly conn: SourceConnection;
  readonly source: SourceClient;
  readonly reads: FixtureReads;
  stop(): Promise<void>;
}

/** Starts MariaDB (test kit), opens a source client and creates the fixtures in `db` and `nokeyDb`. */
export async function startFixtureSource(db: string, nokeyDb: string): Promise<FixtureSource> {
  const server = await startMariaDb();
  const conn = { host: server.host, port: server.port, user: server.user, password: server.password };
  const source = await openSource(conn).catch(async (e: unknown) => {
    await server.stop();
    throw e;
  });
  const stop = async () => {
    await source.close();
    await server.stop();
  };
  try {
    await createFixtures((sql) => source.query(sql), db, nokeyDb);
  } catch (e) {
    await stop();
    throw e;
  }
  return { server, conn, source, reads: new FixtureReads(source, db), stop };
}
