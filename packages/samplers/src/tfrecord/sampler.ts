import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, isTensor, type OptionKeys, StateError, ValueError } from '@tfsim/utils';

import { type RawBatch, Sampler, SAMPLER_OPTION_KEYS, type SamplerOptions } from '../sampler';
import { checkLabel } from '../select';
import { type Compression, readTFRecords } from './records';

/** What a deserialisation function returns for one record: the example and its class id. */
export interface DeserializedExample {
  /** A new tensor (the sampler disposes it), or numbers (a 1-D example). */
  x: tf.Tensor | tf.TensorLike;
  y: number;
}

/** Turns one record's bytes into an example; `parseExample` decodes tf.train.Example records. */
export type DeserializationFn = (record: Uint8Array) => DeserializedExample | Promise<DeserializedExample>;

export interface TFRecordDatasetSamplerOptions extends SamplerOptions {
  /** Distinct classes in each batch. Default 16 (Python: batch_size 32 / example_per_class 2). */
  classesPerBatch?: number;
  /** Examples of each class in each batch (Python's `example_per_class`). Default 2. */
  examplesPerClassPerBatch?: number;
  /** Shards read at once, interleaved. Default: all of them. */
  shardsPerCycle?: number;
  /** Records taken from one shard before moving to the next. Default examplesPerClassPerBatch (Python's block_length). */
  blockLength?: number;
  /** null, 'GZIP' or 'ZLIB'. Default null. */
  compression?: Compression;
  /** File-name pattern of the shards in the directory (`*` and `?`). Default '*.tfrec'. */
  shardSuffix?: string;
  /** Passes over the shards; -1 repeats for ever. Default -1. */
  numRepeat?: number;
  /**
   * Examples held back to draw batches from. Larger mixes better and costs
   * memory. It grows past this only as far as a batch needs, and a buffer
   * ten times this size without enough classes is an error. Default 1000.
   */
  bufferSize?: number;
  /** Check the CRCs of every record. Default true. */
  verifyChecksums?: boolean;
}

interface Item {
  x: tf.Tensor | tf.TensorLike;
  y: number;
  /** The record it came from (shard and index): the same record comes back on every pass. */
  key: string;
}

interface Reader {
  shard: string;
  records: AsyncGenerator<Uint8Array>;
  index: number;
}

/** A file-name pattern (`*`, `?`) as a RegExp. */
function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The shard files: a directory's files matching `suffix`, sorted, or the given files. */
export function listShards(shardPath: string | readonly string[], suffix = '*.tfrec'): string[] {
  if (Array.isArray(shardPath)) {
    if (shardPath.length === 0) throw new ValueError('the list of shard files is empty');
    return [...(shardPath as readonly string[])];
  }
  const dir = shardPath as string;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new ValueError(`shard path ${dir} does not exist`);
  }
  if (stat.isFile()) return [dir];
  const match = patternToRegExp(suffix);
  const shards = fs
    .readdirSync(dir)
    .filter((name) => match.test(name))
    .sort()
    .map((name) => path.join(dir, name));
  if (shards.length === 0) throw new ValueError(`no shard matching "${suffix}" in ${dir}`);
  return shards;
}

/**
 * Class-balanced batches streamed from sharded TFRecord files (the Python
 * library's `TFRecordDatasetSampler`, which reads the same shards), without
 * loading the data set into memory.
 *
 * Shards are read `shardsPerCycle` at a time, interleaved in blocks of
 * `blockLength` records, in a new random order per pass. Each record goes
 * through `deserializationFn` into a buffer of examples grouped by class;
 * a batch is drawn when the buffer is full: `classesPerBatch` classes
 * chosen at random among those with at least `examplesPerClassPerBatch`
 * buffered examples, and that many examples of each, chosen at random. So
 * every batch holds exactly classesPerBatch classes x
 * examplesPerClassPerBatch examples, whatever the order of the records.
 * (The Python sampler relies on each shard holding contiguous class blocks
 * and breaks otherwise: its issue #213.)
 *
 * A class with fewer examples than `examplesPerClassPerBatch` in the whole
 * data set is sampled with replacement (it fills up over the repeated
 * passes), with a warning at the end of the first pass. When a finite stream
 * (`numRepeat` > 0) ends, the classes left are used with replacement while
 * there are enough of them; then the stream ends.
 */
export class TFRecordDatasetSampler extends Sampler {
  static override readonly optionKeys: OptionKeys<TFRecordDatasetSamplerOptions> = {
    ...SAMPLER_OPTION_KEYS,
    classesPerBatch: true,
    examplesPerClassPerBatch: true,
    shardsPerCycle: true,
    blockLength: true,
    compression: true,
    shardSuffix: true,
    numRepeat: true,
    bufferSize: true,
    verifyChecksums: true,
  };
  readonly shards: string[];
  readonly shardsPerCycle: number;
  readonly blockLength: number;
  readonly numRepeat: number;
  readonly bufferSize: number;
  private readonly compression: Compression;
  private readonly verifyChecksums: boolean;

  private readonly buffer = new Map<number, Item[]>();
  /** Classes with enough distinct records buffered for a batch. */
  private readonly ready = new Set<number>();
  /** Per class, how many buffered items come from each record. */
  private readonly distinct = new Map<number, Map<string, number>>();
  private firstPassDone = false;
  private buffered = 0;
  private pass = -1;
  private queue: string[] = [];
  private cycle: Reader[] = [];
  private cursor = 0;
  private blockTaken = 0;
  private exhausted = false;
  private readonly firstPassCounts = new Map<number, number>();
  private readonly warned = new Set<string | number>();

  constructor(
    shardPath: string | readonly string[],
    readonly deserializationFn: DeserializationFn,
    options: TFRecordDatasetSamplerOptions = {},
  ) {
    super(options.classesPerBatch ?? 16, options.examplesPerClassPerBatch ?? 2, 1, options);
    if (typeof deserializationFn !== 'function') throw new ValueError('deserializationFn must be a function: record bytes -> { x, y }');
    this.shards = listShards(shardPath, options.shardSuffix ?? '*.tfrec');
    this.shardsPerCycle = options.shardsPerCycle ?? this.shards.length;
    assertInteger(this.shardsPerCycle, 'shardsPerCycle', 1);
    this.blockLength = options.blockLength ?? this.examplesPerClassPerBatch;
    assertInteger(this.blockLength, 'blockLength', 1);
    this.numRepeat = options.numRepeat ?? -1;
    assertInteger(this.numRepeat, 'numRepeat', -1);
    if (this.numRepeat === 0) throw new ValueError('numRepeat must be -1 (for ever) or at least 1, got 0');
    this.bufferSize = options.bufferSize ?? 1000;
    assertInteger(this.bufferSize, 'bufferSize', 1);
    const perBatch = this.classesPerBatch * this.examplesPerClassPerBatch;
    if (this.bufferSize < perBatch)
      throw new ValueError(`bufferSize (${this.bufferSize}) must hold at least one batch (${perBatch} examples)`);
    this.compression = options.compression ?? null;
    this.verifyChecksums = options.verifyChecksums ?? true;
  }

  /** Starts the next pass over the shards, or reports the end of the stream. */
  private startPass(): boolean {
    if (this.pass >= 0) this.endOfPass();
    if (this.numRepeat !== -1 && this.pass + 1 >= this.numRepeat) return false;
    this.pass += 1;
    this.queue = this.rng.shuffle([...this.shards]);
    return true;
  }

  private endOfPass(): void {
    if (this.pass !== 0) return;
    const total = [...this.firstPassCounts.values()].reduce((a, b) => a + b, 0);
    if (total === 0) throw new ValueError(`the shards hold no records: ${this.shards.join(', ')}`);
    if (this.firstPassCounts.size < this.classesPerBatch) {
      throw new ValueError(`the shards hold ${this.firstPassCounts.size} class(es), fewer than classesPerBatch (${this.classesPerBatch})`);
    }
    this.firstPassDone = true;
    for (const c of this.buffer.keys()) this.refreshReady(c);
    for (const [label, count] of [...this.firstPassCounts].sort((a, b) => a[0] - b[0])) {
      if (count < this.examplesPerClassPerBatch) {
        this.warnOnce(
          this.warned,
          label,
          `Class ${label} only has ${count} unique examples, but examplesPerClassPerBatch is set to ${this.examplesPerClassPerBatch}. ` +
            'Its batches will repeat its examples (sampling with replacement).',
        );
      }
    }
  }

  private openNext(): Reader | undefined {
    const shard = this.queue.shift();
    if (shard === undefined) return undefined;
    return {
      shard,
      records: readTFRecords(shard, { compression: this.compression, verifyChecksums: this.verifyChecksums }),
      index: 0,
    };
  }

  /** The next record in interleave order, or null at the end of the stream. */
  private async readNext(): Promise<{ record: Uint8Array; shard: string; index: number } | null> {
    for (;;) {
      if (this.cycle.length === 0) {
        if (this.queue.length === 0 && !this.startPass()) return null;
        while (this.cycle.length < this.shardsPerCycle) {
          const reader = this.openNext();
          if (!reader) break;
          this.cycle.push(reader);
        }
        this.cursor = 0;
        this.blockTaken = 0;
        if (this.cycle.length === 0) continue;
      }
      const reader = this.cycle[this.cursor]!;
      const step = await reader.records.next();
      if (step.done) {
        // The next shard of the pass takes the finished one's slot.
        const replacement = this.openNext();
        if (replacement) this.cycle[this.cursor] = replacement;
        else {
          this.cycle.splice(this.cursor, 1);
          if (this.cursor >= this.cycle.length) this.cursor = 0;
        }
        this.blockTaken = 0;
        continue;
      }
      const index = reader.index++;
      if (++this.blockTaken >= this.blockLength) {
        this.blockTaken = 0;
        this.cursor = (this.cursor + 1) % this.cycle.length;
      }
      return { record: step.value, shard: reader.shard, index };
    }
  }

  private async readOne(): Promise<boolean> {
    const next = await this.readNext();
    if (!next) return false;
    let item: DeserializedExample;
    try {
      item = await this.deserializationFn(next.record);
    } catch (err) {
      throw new ValueError(`${next.shard}: record ${next.index}: deserializationFn failed: ${(err as Error).message}`, { cause: err });
    }
    if (!item || item.x === undefined) {
      throw new ValueError(`${next.shard}: record ${next.index}: deserializationFn must return { x, y }`);
    }
    const y = checkLabel(Number(item.y), `${next.shard}: record ${next.index}: y`);
    if (this.pass === 0) this.firstPassCounts.set(y, (this.firstPassCounts.get(y) ?? 0) + 1);
    let list = this.buffer.get(y);
    if (!list) this.buffer.set(y, (list = []));
    const key = `${next.shard}#${next.index}`;
    list.push({ x: item.x, y, key });
    this.buffered += 1;
    let keys = this.distinct.get(y);
    if (!keys) this.distinct.set(y, (keys = new Map()));
    keys.set(key, (keys.get(key) ?? 0) + 1);
    this.refreshReady(y);
    return true;
  }

  /**
   * A class is ready when it has examplesPerClassPerBatch distinct records
   * buffered, or, once the first pass has counted it, all of its records
   * when it has fewer (it is then sampled with replacement).
   */
  private refreshReady(c: number): void {
    const have = this.distinct.get(c)?.size ?? 0;
    const total = this.firstPassDone ? (this.firstPassCounts.get(c) ?? Infinity) : Infinity;
    if (have > 0 && have >= Math.min(this.examplesPerClassPerBatch, total)) this.ready.add(c);
    else this.ready.delete(c);
  }

  private forget(c: number, item: Item): void {
    const keys = this.distinct.get(c)!;
    const n = keys.get(item.key)! - 1;
    if (n === 0) keys.delete(item.key);
    else keys.set(item.key, n);
  }

  /** Removes and returns `k` random items of class `c` (all of them, repeated at random, when it has fewer). */
  private takeFrom(c: number, k: number): Item[] {
    const list = this.buffer.get(c)!;
    let out: Item[];
    if (list.length >= k) {
      // Distinct records when the buffer has them (a record may be buffered
      // twice, from two passes); repeats only when it does not.
      out = [];
      const keys = new Set<string>();
      for (let i = 0; i < k; i++) {
        const fresh: number[] = [];
        list.forEach((item, j) => {
          if (!keys.has(item.key)) fresh.push(j);
        });
        const j = fresh.length ? fresh[this.rng.int(fresh.length)]! : this.rng.int(list.length);
        keys.add(list[j]!.key);
        this.forget(c, list[j]!);
        out.push(list[j]!);
        list[j] = list[list.length - 1]!;
        list.pop();
      }
      this.buffered -= k;
    } else {
      const all = list.splice(0, list.length);
      out = this.rng.sampleWithReplacement(all.length, k).map((j) => all[j]!);
      this.buffered -= all.length;
      for (const item of all) this.forget(c, item);
      if (this.exhausted) {
        this.warnOnce(
          this.warned,
          `end-${c}`,
          `Class ${c} has ${all.length} example(s) left at the end of the stream; its last batch samples them with replacement.`,
        );
      }
    }
    if (list.length === 0) {
      this.buffer.delete(c);
      this.distinct.delete(c);
    }
    this.refreshReady(c);
    return out;
  }

  protected async getExamples(_batchId: number, numClasses: number, examplesPerClass: number): Promise<RawBatch | null> {
    const hardLimit = this.bufferSize * 10;
    // Fill the buffer (for mixing), then keep reading only while a batch cannot be made.
    while (!this.exhausted && (this.buffered < this.bufferSize || this.ready.size < numClasses)) {
      if (this.buffered >= hardLimit) {
        throw new StateError(
          `the sampler's buffer holds ${this.buffered} examples but only ${this.ready.size} class(es) with ${examplesPerClass} examples: ` +
            'the shards are ordered so that too few classes are within reach; raise shardsPerCycle or bufferSize',
        );
      }
      if (!(await this.readOne())) this.exhausted = true;
    }
    let classes: number[];
    if (this.ready.size >= numClasses) {
      const ready = [...this.ready].sort((a, b) => a - b);
      classes = this.rng.sample(ready.length, numClasses).map((i) => ready[i]!);
    } else {
      // End of a finite stream: complete the batch with the fullest classes left, with replacement.
      const ready = [...this.ready].sort((a, b) => a - b);
      const rest = [...this.buffer.keys()]
        .filter((c) => !this.ready.has(c))
        .sort((a, b) => this.buffer.get(b)!.length - this.buffer.get(a)!.length || a - b);
      if (ready.length + rest.length < numClasses) {
        this.releaseBuffer();
        return null;
      }
      classes = [...ready, ...rest.slice(0, numClasses - ready.length)];
    }
    const items: Item[] = [];
    const labels: number[] = [];
    for (const c of classes) {
      for (const item of this.takeFrom(c, examplesPerClass)) {
        items.push(item);
        labels.push(c);
      }
    }
    return { x: stackItems(items), labels };
  }

  private releaseBuffer(): void {
    for (const list of this.buffer.values()) for (const item of list) if (isTensor(item.x)) item.x.dispose();
    this.buffer.clear();
    this.distinct.clear();
    this.ready.clear();
    this.buffered = 0;
  }

  /** Frees the buffered examples and closes the open shards. */
  async dispose(): Promise<void> {
    this.releaseBuffer();
    const open = this.cycle;
    this.cycle = [];
    this.queue = [];
    this.exhausted = true;
    await Promise.all(open.map((r) => r.records.return(undefined)));
  }
}

/** Stacks the items' examples into one tensor and frees the items' own tensors. */
function stackItems(items: readonly Item[]): tf.Tensor {
  const owned = new Set<tf.Tensor>();
  for (const item of items) if (isTensor(item.x)) owned.add(item.x);
  try {
    return tf.tidy(() => tf.stack(items.map((item) => (isTensor(item.x) ? item.x : tf.tensor(item.x)))));
  } finally {
    for (const t of owned) t.dispose();
  }
}
