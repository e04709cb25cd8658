import { randomUUID } from 'node:crypto';

import {
  checkOptions,
  type IndexedItem,
  type Label,
  type MatrixLike,
  type OptionKeys,
  ShapeError,
  StateError,
  UnavailableError,
  ValueError,
} from '@tfsim/utils/core';
import type { Redis, RedisOptions } from 'ioredis';

import { dataJsonOf, decodeRecord, encodeRecord } from './codec';
import { readStore, writeStore } from './format';
import { importOptional } from './optional';
import { checkDistinctIds, checkIds, liveIds, prepareBatch, type PreparedBatch, prepareOne, prepareUpdate, recordCount } from './records';
import type { BatchData, BatchLabels, Store, StoreConfig, StoredRecord, StoredRecords } from './store';

export interface RedisStoreOptions {
  /** `redis://host:port/db`; default from host/port/db. */
  url?: string;
  host?: string;
  port?: number;
  db?: number;
  name?: string;
  /** Prefix of every key this store writes; default `tfsim:<name>`. Stores with the same prefix share records. */
  prefix?: string;
  /**
   * Milliseconds a command may wait for its reply, through outages and
   * reconnects, before it fails with UnavailableError; default 10000.
   */
  commandTimeout?: number;
}

const READ_CHUNK = 4096;
/** A batch is sent in chunks of at most this many records and bytes: any batch size fits Redis' argument limits. */
const WRITE_CHUNK_RECORDS = 4096;
const WRITE_CHUNK_BYTES = 8 * 1024 * 1024;
/** Staged chunks of a batch whose client died before its commit expire after this long. */
const STAGE_TTL_MS = 3_600_000;
/** How long a committed batch's token is kept to recognise a re-sent commit (one small key per batch). */
const TOKEN_TTL_MS = 600_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

// Every write is one Lua script, and Redis runs a script atomically: it checks
// first and writes after, so a rejected batch writes nothing, and concurrent
// clients get distinct consecutive ids. A batch larger than one chunk is first
// staged under keys of its own (invisible to readers, expiring), then moved
// into place by one commit script: all of it appears at once or none of it.
// The commit records its batch token, so a command that ioredis re-sends after
// a reconnect is not applied twice.

/**
 * KEYS: size, dim, token, removed ids (a set).
 * ARGV: record-key prefix, dim ('' for none), mode ('add' | 'replace'),
 * stage-key prefix, staged count, token ttl ms, the ids of a replacement
 * (comma-separated, ascending; '' for 0, 1, 2, ...), its next id ('' for its
 * count), then the records inline (if not staged).
 * Returns the first id, -1 when a staged record is missing (expired), or
 * -2 - stored dim on a dimension mismatch.
 */
const COMMIT_SCRIPT = `
local done = redis.call('GET', KEYS[3])
if done then return tonumber(done) end
local inline = #ARGV > 8
local n = inline and (#ARGV - 8) or tonumber(ARGV[5])
if not inline then
  for i = 0, n - 1 do
    if redis.call('EXISTS', ARGV[4] .. i) == 0 then return -1 end
  end
end
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = size
local ids = {}
if ARGV[3] == 'replace' then
  for i = 0, size - 1 do redis.call('UNLINK', ARGV[1] .. i) end
  redis.call('DEL', KEYS[4])
  first = 0
  for id in string.gmatch(ARGV[7], '%d+') do ids[#ids + 1] = id end
else
  local dim = redis.call('GET', KEYS[2])
  if size > 0 and dim and dim ~= ARGV[2] then return -2 - tonumber(dim) end
end
for i = 0, n - 1 do
  local key = ARGV[1] .. (ids[i + 1] or (first + i))
  if inline then
    redis.call('SET', key, ARGV[9 + i])
  else
    redis.call('RENAME', ARGV[4] .. i, key)
    redis.call('PERSIST', key)
  end
end
local nextId = first + n
if ARGV[8] ~= '' then
  nextId = tonumber(ARGV[8])
  local held = {}
  for _, id in ipairs(ids) do held[tonumber(id)] = true end
  for id = 0, nextId - 1 do
    if not held[id] then redis.call('SADD', KEYS[4], id) end
  end
end
redis.call('SET', KEYS[1], nextId)
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2]) end
redis.call('SET', KEYS[3], first, 'PX', ARGV[6])
return first
`;

/**
 * KEYS: size, removed ids. ARGV: record-key prefix, ids...
 * Removes the records of every id, or none: returns -1, or the position of
 * the first id that is not held.
 */
const REMOVE_SCRIPT = `
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
for i = 2, #ARGV do
  if tonumber(ARGV[i]) >= size or redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then return i - 2 end
end
for i = 2, #ARGV do
  redis.call('UNLINK', ARGV[1] .. ARGV[i])
  redis.call('SADD', KEYS[2], ARGV[i])
end
return -1
`;

/**
 * KEYS: size, dim. ARGV: record-key prefix, dim, then id and record pairs.
 * Replaces every record, or none: returns -1, the position of the first id
 * that is not held, or -2 - stored dim on a dimension mismatch.
 */
const UPDATE_SCRIPT = `
local size = tonumber(redis.call('GET', KEYS[1]) or '0')
local dim = redis.call('GET', KEYS[2])
if dim and dim ~= ARGV[2] then return -2 - tonumber(dim) end
local n = (#ARGV - 2) / 2
for i = 0, n - 1 do
  local id = ARGV[3 + 2 * i]
  if tonumber(id) >= size or redis.call('EXISTS', ARGV[1] .. id) == 0 then return i end
end
for i = 0, n - 1 do redis.call('SET', ARGV[1] .. ARGV[3 + 2 * i], ARGV[4 + 2 * i]) end
return -1
`;

/** KEYS: size, removed ids. Returns the next id and the removed ids, read together. */
const STATE_SCRIPT = `
return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('SMEMBERS', KEYS[2]) }
`;

/** ARGV: stage-key prefix, offset, ttl ms, records... */
const STAGE_SCRIPT = `
local offset = tonumber(ARGV[2])
for i = 4, #ARGV do redis.call('SET', ARGV[1] .. (offset + i - 4), ARGV[i], 'PX', ARGV[3]) end
return #ARGV - 3
`;

/** Splits encoded records into chunks of bounded count and bytes. */
function chunksOf(records: Buffer[]): Buffer[][] {
  const chunks: Buffer[][] = [];
  let current: Buffer[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length > 0 && (current.length >= WRITE_CHUNK_RECORDS || bytes + record.length > WRITE_CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * A store on a Redis server (the `ioredis` client). Records are binary
 * values under `<prefix>:r:<id>`; the next id and dimension under
 * `<prefix>:size` and `<prefix>:dim`, the removed ids in the set
 * `<prefix>:removed`. A remove or update is one script: all or none. Every batchAdd, load and reset is
 * atomic whatever its size (see COMMIT_SCRIPT), and concurrent writers (even
 * in other processes) get distinct consecutive ids. Durability is the
 * server's (its RDB/AOF settings).
 *
 * Connection policy: the client reconnects after any drop, forever, with a
 * backoff capped at one second; a command waits through an outage for at
 * most `commandTimeout` ms and then fails with UnavailableError. A write that
 * timed out was applied completely or not at all (its outcome is unknown to
 * the caller: `size()` tells).
 */
export class RedisStore implements Store {
  static readonly optionKeys: OptionKeys<RedisStoreOptions> = {
    url: true,
    host: true,
    port: true,
    db: true,
    name: true,
    prefix: true,
    commandTimeout: true,
  };
  readonly name: string;
  readonly prefix: string;
  private readonly options: RedisStoreOptions;
  private readonly commandTimeout: number;
  private client: Redis | undefined;
  private connecting: Promise<Redis> | undefined;

  constructor(options: RedisStoreOptions = {}) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.options = options;
    this.name = options.name ?? 'redis';
    this.prefix = options.prefix ?? `tfsim:${this.name}`;
    const timeout = options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new ValueError(`commandTimeout must be a positive number of milliseconds, got ${String(timeout)}`);
    }
    this.commandTimeout = timeout;
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

  private get removedKey(): string {
    return `${this.prefix}:removed`;
  }

  /** Connects (done by every method on first use); a server that cannot be reached is an error, not a hang. */
  async connect(): Promise<void> {
    await this.redis();
  }

  private redis(): Promise<Redis> {
    // A client that ioredis closed for good is dropped, never reused.
    if (this.client?.status === 'end') this.client = undefined;
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Redis> {
    const { Redis: IORedis } = await importOptional('ioredis', 'RedisStore', () => import('ioredis'));
    const settings: RedisOptions = {
      lazyConnect: true,
      // Commands wait through an outage (bounded by commandTimeout) instead of
      // failing after a count of reconnect attempts; reconnecting never stops.
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      commandTimeout: this.commandTimeout,
      connectTimeout: this.commandTimeout,
      ...(this.options.host !== undefined ? { host: this.options.host } : {}),
      ...(this.options.port !== undefined ? { port: this.options.port } : {}),
      ...(this.options.db !== undefined ? { db: this.options.db } : {}),
    };
    const client = this.options.url ? new IORedis(this.options.url, settings) : new IORedis(settings);
    // Errors reach the callers through their commands; without a listener ioredis would also log them.
    client.on('error', () => undefined);
    let timer: NodeJS.Timeout | undefined;
    try {
      // A stalled server accepts the TCP connection and never answers the handshake: bound it too.
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.commandTimeout} ms`)), this.commandTimeout);
        }),
      ]);
    } catch (err) {
      client.disconnect();
      throw new UnavailableError(`RedisStore cannot reach the Redis server (${this.describeServer()}): ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    this.client = client;
    return client;
  }

  /** Runs commands on the client, turning outages into UnavailableError. */
  private async run<T>(what: string, commands: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = await this.redis();
    try {
      return await commands(redis);
    } catch (err) {
      const message = (err as Error).message;
      const write = what !== 'read' ? ` The ${what} was applied completely or not at all; size() tells which.` : '';
      if (message === 'Command timed out') {
        throw new UnavailableError(
          `RedisStore ${this.describeServer()}: no reply within ${this.commandTimeout} ms (server stalled or unreachable).${write}`,
          { cause: err },
        );
      }
      if (message === 'Connection is closed.') {
        throw new UnavailableError(`RedisStore ${this.describeServer()}: the connection was closed.${write}`, { cause: err });
      }
      throw err;
    }
  }

  private describeServer(): string {
    const o = this.options;
    return o.url ?? `${o.host ?? 'localhost'}:${o.port ?? 6379}/${o.db ?? 0}`;
  }

  private async state(): Promise<{ size: number; dim: number | undefined }> {
    const [size, dim] = await this.run('read', (redis) => redis.mget(this.sizeKey, this.dimKey));
    return { size: Number(size ?? 0), dim: dim == null ? undefined : Number(dim) };
  }

  /** The next id and the removed ids below it, read in one script. */
  private async liveState(): Promise<{ nextId: number; removed: Set<number> }> {
    const [nextId, removed] = (await this.run('read', (redis) => redis.eval(STATE_SCRIPT, 2, this.sizeKey, this.removedKey))) as [
      number,
      string[],
    ];
    return { nextId, removed: new Set(removed.map(Number)) };
  }

  async remove(ids: ArrayLike<number>): Promise<void> {
    const checked = checkDistinctIds(ids, Number.MAX_SAFE_INTEGER);
    await this.redis();
    if (checked.length === 0) return;
    const bad = (await this.run('remove', (redis) =>
      redis.eval(REMOVE_SCRIPT, 2, this.sizeKey, this.removedKey, this.recordPrefix, ...checked.map(String)),
    )) as number;
    if (bad >= 0) throw new ValueError(`id ${checked[bad]} is not in the store ${this.prefix}: nothing was removed`);
  }

  async update(ids: ArrayLike<number>, embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<void> {
    const batch = prepareUpdate(ids, embeddings, labels, data, undefined);
    const checked = checkDistinctIds(ids, Number.MAX_SAFE_INTEGER);
    const { rows, cols, data: values } = batch.embeddings;
    await this.redis();
    if (rows === 0) return;
    const args: Array<string | Buffer> = [];
    checked.forEach((id, i) => {
      args.push(String(id), Buffer.from(encodeRecord(values.subarray(i * cols, (i + 1) * cols), batch.labels[i]!, batch.data[i]!)));
    });
    const result = (await this.run('update', (redis) =>
      redis.eval(UPDATE_SCRIPT, 2, this.sizeKey, this.dimKey, this.recordPrefix, String(cols), ...args),
    )) as number;
    if (result <= -2) throw new ShapeError(`embeddings have dimension ${cols}, expected ${-2 - result}`);
    if (result >= 0) throw new ValueError(`id ${checked[result]} is not in the store ${this.prefix}: nothing was updated`);
  }

  async add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number> {
    return (await this.append(prepareOne(embedding, label, data, undefined)))[0]!;
  }

  async batchAdd(embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<number[]> {
    return this.append(prepareBatch(embeddings, labels, data, undefined));
  }

  private async append(batch: PreparedBatch): Promise<number[]> {
    const { rows, cols, data } = batch.embeddings;
    const records = Array.from({ length: rows }, (_, i) =>
      Buffer.from(encodeRecord(data.subarray(i * cols, (i + 1) * cols), batch.labels[i]!, batch.data[i]!)),
    );
    await this.redis();
    if (rows === 0) return [];
    const first = await this.commit('add', String(cols), records);
    return Array.from({ length: rows }, (_, i) => first + i);
  }

  /**
   * Writes `records` atomically (appended, or replacing every record): inline
   * in one script when they fit one chunk, else staged chunk by chunk and
   * committed by one script. Returns the first id.
   */
  private async commit(
    mode: 'add' | 'replace',
    dim: string,
    records: Buffer[],
    token = randomUUID(),
    placement: { ids: string; nextId: string } = { ids: '', nextId: '' },
  ): Promise<number> {
    const keys = [this.sizeKey, this.dimKey, `${this.prefix}:batch:${token}`, this.removedKey] as const;
    const place = [placement.ids, placement.nextId] as const;
    const stagePrefix = `${this.prefix}:stage:${token}:`;
    const chunks = chunksOf(records);
    const what = mode === 'add' ? 'batch' : 'replacement';
    const staged = chunks.length > 1;
    let first: number;
    try {
      first = await this.run(what, async (redis) => {
        // The script takes the records inline, or the number of records staged before it.
        const commitScript = async (stagedCount: number, inline: Buffer[]) =>
          (await redis.eval(
            COMMIT_SCRIPT,
            4,
            ...keys,
            this.recordPrefix,
            dim,
            mode,
            stagePrefix,
            String(stagedCount),
            String(TOKEN_TTL_MS),
            ...place,
            ...inline,
          )) as number;
        if (!staged) return commitScript(0, records);
        let offset = 0;
        for (const chunk of chunks) {
          await redis.eval(STAGE_SCRIPT, 0, stagePrefix, String(offset), String(STAGE_TTL_MS), ...chunk);
          offset += chunk.length;
        }
        return commitScript(records.length, []);
      });
    } catch (err) {
      if (staged) await this.dropStaged(stagePrefix, records.length);
      throw err;
    }
    if (first === -1) {
      throw new StateError(`RedisStore ${this.prefix}: staged records of a batch expired before its commit; nothing was written`);
    }
    if (first < 0) {
      if (staged) await this.dropStaged(stagePrefix, records.length);
      throw new ShapeError(`embeddings have dimension ${dim}, expected ${-2 - first}`);
    }
    return first;
  }

  /** Best effort: staged keys left behind also expire by themselves. */
  private async dropStaged(stagePrefix: string, count: number): Promise<void> {
    const redis = this.client;
    if (!redis) return;
    try {
      for (let start = 0; start < count; start += WRITE_CHUNK_RECORDS) {
        const keys = Array.from({ length: Math.min(WRITE_CHUNK_RECORDS, count - start) }, (_, i) => `${stagePrefix}${start + i}`);
        await redis.unlink(...keys);
      }
    } catch {
      // The server is away: the keys expire after STAGE_TTL_MS.
    }
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
    if (ids == null || typeof ids.length !== 'number') throw new ValueError('ids must be an array of integers');
    const all = Array.from(ids);
    const out: StoredRecord[] = [];
    await this.redis();
    for (let start = 0; start < all.length; start += READ_CHUNK) {
      const chunk = all.slice(start, start + READ_CHUNK);
      // One round trip reads the size with the records; an id that is not a
      // valid key reads the size key in its place and fails the check below.
      const keys = chunk.map((id) => (Number.isInteger(id) && id >= 0 ? `${this.recordPrefix}${id}` : this.sizeKey));
      const values = await this.run('read', (redis) => redis.mgetBuffer(this.sizeKey, this.dimKey, ...keys));
      checkIds(chunk, Number(values[0]?.toString() ?? 0));
      const dim = Number(values[1]?.toString());
      values.slice(2).forEach((bytes, i) => {
        if (bytes === null) throw new ValueError(`id ${chunk[i]} is not in the store ${this.prefix} (removed)`);
        out.push(decodeRecord(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), dim, `${this.prefix} record ${chunk[i]}`));
      });
    }
    return out;
  }

  async size(): Promise<number> {
    const { nextId, removed } = await this.liveState();
    return nextId - removed.size;
  }

  async save(dir: string): Promise<void> {
    const { dim } = await this.state();
    const { nextId, removed } = await this.liveState();
    const ids = liveIds(nextId, removed);
    const records = await this.read(ids);
    const d = dim ?? 0;
    const embeddings = new Float32Array(ids.length * d);
    records.forEach((r, i) => embeddings.set(r.embedding, i * d));
    await writeStore(dir, 'redis', this.name, {
      size: ids.length,
      dim: d,
      embeddings,
      labels: records.map((r) => r.label),
      data: records.map(dataJsonOf),
      ids,
      nextId,
    });
  }

  async load(dir: string): Promise<number> {
    const snapshot = await readStore(dir);
    const records = Array.from({ length: snapshot.size }, (_, i) =>
      Buffer.from(
        encodeRecord(snapshot.embeddings.subarray(i * snapshot.dim, (i + 1) * snapshot.dim), snapshot.labels[i]!, snapshot.data[i]!),
      ),
    );
    const placement = snapshot.ids ? { ids: snapshot.ids.join(','), nextId: String(snapshot.nextId ?? snapshot.size) } : undefined;
    await this.commit('replace', snapshot.size > 0 ? String(snapshot.dim) : '', records, undefined, placement);
    return snapshot.size;
  }

  async toRecords(numRecords?: number): Promise<IndexedItem[]> {
    const { nextId, removed } = await this.liveState();
    const ids = liveIds(nextId, removed, recordCount(numRecords, nextId - removed.size));
    const records = await this.read(ids);
    return records.map((r, i) => ({ id: ids[i]!, ...r }));
  }

  async reset(): Promise<void> {
    await this.commit('replace', '', []);
  }

  async close(): Promise<void> {
    const client = this.client ?? (this.connecting ? await this.connecting.catch(() => undefined) : undefined);
    this.client = undefined;
    this.connecting = undefined;
    if (!client) return;
    // quit() waits for the server; a stalled or absent one must not hang close.
    if (client.status === 'ready') {
      await Promise.race([
        client.quit().catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, this.commandTimeout).unref()),
      ]);
    }
    client.disconnect();
  }

  getConfig(): StoreConfig {
    const { url, host, port, db, commandTimeout } = this.options;
    return {
      type: 'redis',
      name: this.name,
      prefix: this.prefix,
      ...(url !== undefined ? { url } : {}),
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(db !== undefined ? { db } : {}),
      ...(commandTimeout !== undefined ? { commandTimeout } : {}),
    };
  }
}
