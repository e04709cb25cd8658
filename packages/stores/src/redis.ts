import type { Redis, RedisOptions } from 'ioredis';
import { type IndexedItem, type Label, type MatrixLike, ShapeError, ValueError } from '@tfsim/utils';
import { dataJsonOf, decodeRecord, encodeRecord } from './codec';
import { readStore, writeStore } from './format';
import { importOptional } from './optional';
import { checkIds, prepareBatch, prepareOne, recordCount, type PreparedBatch } from './records';
import type { Store, StoreConfig, StoredRecord, StoredRecords } from './store';

export interface RedisStoreOptions {
  /** `redis://host:port/db`; default from host/port/db. */
  url?: string;
  host?: string;
  port?: number;
  db?: number;
  name?: string;
  /** Prefix of every key this store writes; default `tfsim:<name>`. Stores with the same prefix share records. */
  prefix?: string;
}

const READ_CHUNK = 4096;

// Each script runs atomically in Redis: it checks first and writes after, so a
// rejected batch writes nothing, and concurrent clients get distinct ids.

/** KEYS: size, dim. ARGV: record-key prefix, dim, records... Returns the first id, or -1 - stored dim on a mismatch. */
const ADD_SCRIPT = `
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
local dim = redis.call('GET', KEYS[2])
if size > 0 and dim and dim ~= ARGV[2] then return -1 - tonumber(dim) end
for i = 3, #ARGV do redis.call('SET', ARGV[1] .. (size + i - 3), ARGV[i]) end
redis.call('SET', KEYS[1], size + #ARGV - 2)
redis.call('SET', KEYS[2], ARGV[2])
return size
`;

/** KEYS: size, dim. ARGV: record-key prefix, new dim ('' for none), records... Replaces every record. */
const REPLACE_SCRIPT = `
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 0, size - 1 do redis.call('UNLINK', ARGV[1] .. i) end
for i = 3, #ARGV do redis.call('SET', ARGV[1] .. (i - 3), ARGV[i]) end
redis.call('SET', KEYS[1], #ARGV - 2)
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2]) end
return #ARGV - 2
`;

/**
 * A store on a Redis server (the `ioredis` client). Records are binary
 * values under `<prefix>:r:<id>`; the size and dimension under
 * `<prefix>:size` and `<prefix>:dim`. A batchAdd is one Lua script, so it is
 * atomic and concurrent writers (even in other processes) get distinct
 * consecutive ids. Durability is the server's (its RDB/AOF settings).
 */
export class RedisStore implements Store {
  readonly name: string;
  readonly prefix: string;
  private readonly options: RedisStoreOptions;
  private client: Redis | undefined;
  private connecting: Promise<Redis> | undefined;

  constructor(options: RedisStoreOptions = {}) {
    this.options = options;
    this.name = options.name ?? 'redis';
    this.prefix = options.prefix ?? `tfsim:${this.name}`;
  }

  private get sizeKey(): string {
    return `${this.prefix}:size`;
  }

  private get dimKey(): string {
    return `${this.prefix}:dim`;
  }

  private get recordPrefix(): string {
    return `${this.prefix}:r:`;
  }

  /** Connects (done by every method on first use); a server that cannot be reached is an error, not a hang. */
  async connect(): Promise<void> {
    await this.redis();
  }

  private redis(): Promise<Redis> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const { Redis: IORedis } = await importOptional('ioredis', 'RedisStore', () => import('ioredis'));
      const settings: RedisOptions = {
        lazyConnect: true,
        maxRetriesPerRequest: 2,
        // Reconnect a few times after a drop, then fail the pending commands.
        retryStrategy: (times) => (times > 3 ? null : times * 200),
        ...(this.options.host !== undefined ? { host: this.options.host } : {}),
        ...(this.options.port !== undefined ? { port: this.options.port } : {}),
        ...(this.options.db !== undefined ? { db: this.options.db } : {}),
      };
      const client = this.options.url ? new IORedis(this.options.url, settings) : new IORedis(settings);
      // Errors reach the callers through their commands; without a listener ioredis would also log them.
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        this.connecting = undefined;
        throw new ValueError(`RedisStore cannot reach the Redis server (${this.describeServer()}): ${(err as Error).message}`);
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  private describeServer(): string {
    const o = this.options;
    return o.url ?? `${o.host ?? 'localhost'}:${o.port ?? 6379}/${o.db ?? 0}`;
  }

  private async state(redis: Redis): Promise<{ size: number; dim: number | undefined }> {
    const [size, dim] = await redis.mget(this.sizeKey, this.dimKey);
    return { size: Number(size ?? 0), dim: dim == null ? undefined : Number(dim) };
  }

  async add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number> {
    return (await this.write(prepareOne(embedding, label, data, undefined)))[0]!;
  }

  async batchAdd(
    embeddings: MatrixLike,
    labels?: ReadonlyArray<Label | null> | null,
    data?: ReadonlyArray<unknown> | null,
  ): Promise<number[]> {
    return this.write(prepareBatch(embeddings, labels, data, undefined));
  }

  private async write(batch: PreparedBatch): Promise<number[]> {
    const { rows, cols, data } = batch.embeddings;
    const redis = await this.redis();
    if (rows === 0) return [];
    const records = Array.from({ length: rows }, (_, i) =>
      Buffer.from(encodeRecord(data.subarray(i * cols, (i + 1) * cols), batch.labels[i]!, batch.data[i]!)),
    );
    const first = (await redis.eval(ADD_SCRIPT, 2, this.sizeKey, this.dimKey, this.recordPrefix, String(cols), ...records)) as number;
    if (first < 0) throw new ShapeError(`embeddings have dimension ${cols}, expected ${-1 - first}`);
    return Array.from({ length: rows }, (_, i) => first + i);
  }

  async get(id: number): Promise<StoredRecord> {
    return (await this.read([id]))[0]!;
  }

  async batchGet(ids: ArrayLike<number>): Promise<StoredRecords> {
    const records = await this.read(ids);
    return {
      embeddings: records.map((r) => r.embedding),
      labels: records.map((r) => r.label),
      data: records.map((r) => r.data),
    };
  }

  /** Reads records, checking the ids against the size read with them. */
  private async read(ids: ArrayLike<number>): Promise<StoredRecord[]> {
    const redis = await this.redis();
    if (ids == null || typeof ids.length !== 'number') throw new ValueError('ids must be an array of integers');
    const all = Array.from(ids);
    const out: StoredRecord[] = [];
    for (let start = 0; start < all.length; start += READ_CHUNK) {
      const chunk = all.slice(start, start + READ_CHUNK);
      // One round trip reads the size with the records; an id that is not a
      // valid key reads the size key in its place and fails the check below.
      const keys = chunk.map((id) => (Number.isInteger(id) && id >= 0 ? `${this.recordPrefix}${id}` : this.sizeKey));
      const values = await redis.mgetBuffer(this.sizeKey, this.dimKey, ...keys);
      checkIds(chunk, Number(values[0]?.toString() ?? 0));
      const dim = Number(values[1]?.toString());
      values.slice(2).forEach((bytes, i) => {
        if (bytes === null) throw new ValueError(`record ${chunk[i]} of ${this.prefix} is missing`);
        out.push(decodeRecord(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), dim, `${this.prefix} record ${chunk[i]}`));
      });
    }
    return out;
  }

  async size(): Promise<number> {
    return (await this.state(await this.redis())).size;
  }

  async save(dir: string): Promise<void> {
    const redis = await this.redis();
    const { size, dim } = await this.state(redis);
    const records = await this.read(Array.from({ length: size }, (_, i) => i));
    const d = dim ?? 0;
    const embeddings = new Float32Array(size * d);
    records.forEach((r, i) => embeddings.set(r.embedding, i * d));
    await writeStore(dir, 'redis', this.name, {
      size,
      dim: d,
      embeddings,
      labels: records.map((r) => r.label),
      data: records.map(dataJsonOf),
    });
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    const redis = await this.redis();
    const records = Array.from({ length: snapshot.size }, (_, i) =>
      Buffer.from(
        encodeRecord(snapshot.embeddings.subarray(i * snapshot.dim, (i + 1) * snapshot.dim), snapshot.labels[i]!, snapshot.data[i]!),
      ),
    );
    const dim = snapshot.size > 0 ? String(snapshot.dim) : '';
    return (await redis.eval(REPLACE_SCRIPT, 2, this.sizeKey, this.dimKey, this.recordPrefix, dim, ...records)) as number;
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    const size = await this.size();
    const n = recordCount(numRecords, size);
    const records = await this.read(Array.from({ length: n }, (_, i) => i));
    return records.map((r, id) => ({ id, ...r }));
  }

  async reset(): Promise<void> {
    const redis = await this.redis();
    await redis.eval(REPLACE_SCRIPT, 2, this.sizeKey, this.dimKey, this.recordPrefix, '');
  }

  async close(): Promise<void> {
    const client = this.client ?? (this.connecting ? await this.connecting.catch(() => undefined) : undefined);
    this.client = undefined;
    this.connecting = undefined;
    if (client) await client.quit();
  }

  getConfig(): StoreConfig {
    const { url, host, port, db } = this.options;
    return {
      type: 'redis',
      name: this.name,
      prefix: this.prefix,
      ...(url !== undefined ? { url } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(db !== undefined ? { db } : {}),
    };
  }
}
