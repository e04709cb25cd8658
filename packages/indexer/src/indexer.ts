/**
 * The index: embeddings with their labels and data, searchable by distance,
 * calibrated to decide "same class or unknown". The Python library's
 * `Indexer`, on typed arrays (no TensorFlow.js).
 */
import { performance } from 'node:perf_hooks';

import { type ClassificationMetric, F1Score, makeClassificationMetric } from '@tfsim/classification-metrics';
import { type DistanceConfig, getDistance, type RowDistance as Distance } from '@tfsim/distances/rows';
import {
  type CalibrationResults,
  type Cutpoint,
  deserializeEvaluator,
  type Evaluator,
  evaluatorName,
  makeEvaluator,
  serializeEvaluator,
  unpackLookupDistances,
  unpackLookupLabels,
} from '@tfsim/evaluators';
import { type ClassificationMatch, deserializeMatcher, makeClassificationMatcher, serializeMatcher } from '@tfsim/matchers';
import { assertRetrievalMetrics, type RetrievalMetric } from '@tfsim/retrieval-metrics';
import type { Search } from '@tfsim/search';
import { type Store, STORE_FORMAT, STORE_FORMAT_VERSION } from '@tfsim/stores';
import {
  assertInteger,
  checkOverwrite,
  createProgress,
  EmptyIndexError,
  FormatError,
  type IndexedItem,
  type Label,
  type Lookup,
  type Matrix,
  type OptionKeys,
  progressEnabled,
  readManifest,
  ShapeError,
  StateError,
  ValueError,
  writeFolderAtomically,
} from '@tfsim/utils/core';

import { isPlainObject, optionsOf } from './call-style';
import { checkData, checkDatum, type Prediction, type Predictions, toEmbedding, toEmbeddings } from './inputs';
import { canonicalJson, LabelTable } from './labels';
import { isStore, makeSearch, makeStore, type SearchSpec, type StoreSpec } from './resolve';
import { checkSearchAgainstStore, checkStoreLabels, type IndexState, readIndexFolder, storeForLoad, writeIndexFolder } from './saved-index';
import { formatSeconds, type IndexStats, LatencyBuffer, MAX_STAT_BUFFER_SIZE, queryPerformance } from './stats';
import { formatTable } from './table';

export type Verbose = boolean | number | undefined;

export interface IndexerOptions {
  /** Default `cosine`. */
  distance?: Distance | DistanceConfig | string;
  /** `linear` (default), `faiss`, a search config, or a Search. */
  search?: SearchSpec;
  /** `memory` (default), `level`, `redis`, a store config, or a Store. */
  kvStore?: StoreSpec;
  /** `memory` (default) or an Evaluator. */
  evaluator?: Evaluator | string;
  /** For multi-output models: which output holds the embeddings. Default null (single output). */
  embeddingOutput?: number | null;
  /** Number of recent queries the latency statistics cover. Default 1000. */
  statBufferSize?: number;
}

export interface AddOptions {
  verbose?: Verbose;
}

export interface CalibrateOptions {
  calibrationMetric?: string | ClassificationMetric;
  k?: number;
  matcher?: string | ClassificationMatch;
  extraMetrics?: ReadonlyArray<string | ClassificationMetric>;
  /** Decimals of the printed cutpoint table. Default 2. */
  rounding?: number;
  verbose?: Verbose;
}

export interface EvaluateClassificationOptions {
  metrics?: ReadonlyArray<string | ClassificationMetric>;
  matcher?: string | ClassificationMatch;
  k?: number;
  verbose?: Verbose;
}

export interface MatchOptions {
  noMatchLabel?: number;
  k?: number;
  matcher?: string | ClassificationMatch;
  verbose?: Verbose;
}

export interface LoadOptions {
  verbose?: Verbose;
  /** Load the saved records into this store instead of one made from the saved config. */
  kvStore?: StoreSpec;
  /** Load the saved search into this one instead of one made from the saved config. */
  search?: SearchSpec;
  /** An evaluator to use (a custom one is not saved). */
  evaluator?: Evaluator | string;
}

export interface SaveOptions {
  /** Replace an existing folder. Default true. */
  overwrite?: boolean;
}

/** The index contents column by column (the Python library's data frame). */
export interface IndexDataFrame<L = Label> {
  id: number[];
  embedding: Float32Array[];
  label: Array<L | null>;
  data: unknown[];
}

/** A neighbour found by a lookup, with its label as it was indexed (an integer, a string, a JSON value). */
export interface IndexLookup<L = Label> extends Omit<Lookup, 'label'> {
  label?: L | null;
}

/** An indexed item, with its label as it was indexed. */
export interface IndexRecord<L = Label> extends Omit<IndexedItem, 'label'> {
  label: L | null;
}

/** Neighbours looked up per chunk of queries, so progress moves on long lookups. */
const LOOKUP_CHUNK = 1024;

function showOutput(verbose: Verbose): boolean {
  return verbose === undefined ? progressEnabled(process.stdout) : Boolean(verbose);
}

function progressFlag(verbose: Verbose): boolean | undefined {
  return verbose === undefined ? undefined : Boolean(verbose);
}

/**
 * Indexes embeddings for nearest-neighbour lookup, calibrates the distance
 * threshold of a match, matches, evaluates, saves and loads.
 *
 * Every operation that changes the index updates search and store together
 * or not at all, and operations run one at a time (concurrent calls queue).
 */
const EVALUATE_CLASSIFICATION_KEYS: OptionKeys<EvaluateClassificationOptions> = { metrics: true, matcher: true, k: true, verbose: true };
const CALIBRATE_KEYS: OptionKeys<CalibrateOptions> = {
  calibrationMetric: true,
  k: true,
  matcher: true,
  extraMetrics: true,
  rounding: true,
  verbose: true,
};
const MATCH_KEYS: OptionKeys<MatchOptions> = { noMatchLabel: true, k: true, matcher: true, verbose: true };

export class Indexer<L = Label> {
  static readonly optionKeys: OptionKeys<IndexerOptions> = {
    distance: true,
    search: true,
    kvStore: true,
    evaluator: true,
    embeddingOutput: true,
    statBufferSize: true,
  };
  readonly embeddingSize: number;
  readonly distance: Distance;
  readonly search: Search;
  readonly kvStore: Store;
  readonly evaluator: Evaluator;
  /** `memory`, or the registered name (else the class name) of a custom evaluator. */
  readonly evaluatorType: string;
  readonly embeddingOutput: number | null;
  readonly statBufferSize: number;

  isCalibrated = false;
  calibrationMetric: ClassificationMetric = new F1Score();
  cutpoints: Record<string, Cutpoint> = {};
  /** The matcher of the last calibration, saved with the index (a custom one by its registered name). */
  calibrationMatcher: ClassificationMatch | null = null;
  calibrationThresholds: Record<string, Float32Array> = {};

  private numLookups = 0;
  private timings: LatencyBuffer;
  private queue: Promise<void> = Promise.resolve();
  /** Labels that are not integers, by the row the store holds for them (empty for integer labels). */
  private labelTable = new LabelTable();
  /**
   * The id the store gives next, once this index has added to it: after a
   * remove it is not the size. Unknown (a loaded or given store), the size
   * is tried, and a store answering other ids brings a rebuild of the search.
   */
  private nextId: number | undefined;

  /**
   * `new Indexer(embeddingSize, distance = 'cosine', search = 'linear',
   * kvStore = 'memory', evaluator = 'memory', embeddingOutput = null,
   * statBufferSize = 1000)`, as in Python, or `new Indexer(embeddingSize,
   * {distance, search, ...})`.
   */
  constructor(embeddingSize: number, options?: IndexerOptions);
  constructor(
    embeddingSize: number,
    distance?: Distance | DistanceConfig | string,
    search?: SearchSpec,
    kvStore?: StoreSpec,
    evaluator?: Evaluator | string,
    embeddingOutput?: number | null,
    statBufferSize?: number,
  );
  constructor(
    embeddingSize: number,
    distanceOrOptions?: Distance | DistanceConfig | string | IndexerOptions,
    search?: SearchSpec,
    kvStore?: StoreSpec,
    evaluator?: Evaluator | string,
    embeddingOutput?: number | null,
    statBufferSize?: number,
  ) {
    // a distance config {name} in the distance position is a distance, not options (see call-style.ts)
    const o: IndexerOptions = optionsOf<IndexerOptions>(
      isPlainObject(distanceOrOptions) && !('name' in distanceOrOptions) ? distanceOrOptions : undefined,
      new.target.optionKeys,
      new.target.name,
    ) ?? { distance: distanceOrOptions as Distance | string | undefined, search, kvStore, evaluator, embeddingOutput, statBufferSize };
    assertInteger(embeddingSize, 'embeddingSize', 1);
    this.embeddingSize = embeddingSize;
    this.distance = getDistance(o.distance ?? 'cosine');
    this.embeddingOutput = o.embeddingOutput ?? null;
    if (this.embeddingOutput !== null) assertInteger(this.embeddingOutput, 'embeddingOutput', 0);
    this.statBufferSize = o.statBufferSize ?? 1000;
    assertInteger(this.statBufferSize, 'statBufferSize', 1);
    if (this.statBufferSize > MAX_STAT_BUFFER_SIZE) {
      throw new ValueError(`statBufferSize must be at most ${MAX_STAT_BUFFER_SIZE}, got ${this.statBufferSize}`);
    }
    this.evaluator = makeEvaluator(o.evaluator ?? 'memory');
    this.evaluatorType = evaluatorName(this.evaluator);
    this.search = makeSearch(o.search ?? 'auto', this.distance, embeddingSize);
    this.kvStore = makeStore(o.kvStore ?? 'memory');
    this.timings = new LatencyBuffer(this.statBufferSize);
  }

  // ------------------------------------------------------------------ adding

  /** Adds one embedding with its label and data; returns its id. */
  async add(prediction: Prediction, label?: L | null, data?: unknown, options: AddOptions = {}): Promise<number> {
    // Inputs are checked and copied at the call, not when the queued operation runs.
    const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction', 'Indexer.add');
    const l = copyLabels([label], 'Indexer.add');
    const datum = checkDatum(data, 'data');
    return this.exclusive(async () => {
      const m: Matrix = { data: embedding, rows: 1, cols: this.embeddingSize };
      return (await this.addChecked(m, l, [datum], options.verbose, 'Indexer.add'))[0]!;
    });
  }

  /**
   * Adds a batch of embeddings (one row each), with one label and one data
   * entry per row when given; returns their ids. All or nothing: on any
   * failure neither search nor store keeps a row of the batch.
   */
  async batchAdd(
    predictions: Predictions,
    labels?: ReadonlyArray<L | null | undefined> | ArrayLike<number> | null,
    data?: ReadonlyArray<unknown> | null,
    options: AddOptions = {},
  ): Promise<number[]> {
    const m = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.batchAdd');
    const l = labels == null ? null : copyLabels(labels, 'Indexer.batchAdd');
    const d = checkData(data, m.rows);
    return this.exclusive(() => this.addChecked(m, l, d, options.verbose, 'Indexer.batchAdd'));
  }

  private async addChecked(m: Matrix, given: unknown[] | null, data: unknown[] | null, verbose: Verbose, op: string): Promise<number[]> {
    const encoded = given === null ? null : this.labelTable.encode(given, m.rows, op, op === 'Indexer.add');
    const labels = encoded?.ids ?? null;
    const progress = createProgress({ label: 'indexing', total: m.rows, enabled: progressFlag(verbose) });
    const size = await this.syncedSize();
    const start = this.nextId ?? size;
    if (encoded && encoded.added.length > 0 && this.labelTable.size === 0 && size > 0) await this.checkNoIntegerLabels();
    const ids = Array.from({ length: m.rows }, (_, i) => start + i);
    // Search first: its batchAdd is all-or-nothing and cannot half-fail after
    // the checks above; a store failure is then undone by rebuilding the
    // search from the store, which still holds exactly the old records.
    this.search.batchAdd(m, ids);
    let stored: number[];
    try {
      stored = await this.kvStore.batchAdd(m, labels, data);
    } catch (err) {
      await this.rebuildSearch(err);
      throw err;
    }
    if (stored.length !== ids.length || stored.some((id, i) => id !== ids[i])) await this.rebuildSearch();
    if (stored.length > 0) this.nextId = stored[stored.length - 1]! + 1;
    if (encoded) this.labelTable.commit(encoded.added);
    progress.tick(m.rows);
    progress.done();
    return stored;
  }

  /** Before the first table label goes into a pre-filled store: its labels must not be integers (they would collide with table rows). */
  private async checkNoIntegerLabels(): Promise<void> {
    const labelled = (await this.kvStore.toRecords(0)).find((r) => r.label !== null && r.label !== undefined);
    if (labelled) {
      throw new ValueError(
        `the index holds integer labels (item ${labelled.id} has label ${labelled.label}); string or JSON labels cannot join them: one kind per index`,
      );
    }
  }

  /** The store's size, after bringing the search in line with a store that came pre-filled. */
  private async syncedSize(): Promise<number> {
    const stored = await this.kvStore.size();
    const searched = this.search.size();
    if (stored === searched) return stored;
    if (searched === 0) {
      await this.rebuildSearch();
      return stored;
    }
    throw new StateError(
      `the store holds ${stored} records but the search ${searched} embeddings; give the Indexer an empty search or a matching pair`,
    );
  }

  /** Makes the search hold exactly the store's records. */
  private async rebuildSearch(cause?: unknown): Promise<void> {
    try {
      const records = await this.kvStore.toRecords(0);
      this.search.reset();
      if (records.length === 0) return;
      const data = new Float32Array(records.length * this.embeddingSize);
      records.forEach((r, i) => data.set(r.embedding, i * this.embeddingSize));
      this.search.batchAdd(
        { data, rows: records.length, cols: this.embeddingSize },
        records.map((r) => r.id),
      );
    } catch (err) {
      throw new StateError(
        `the index could not be brought back in line with its store${cause ? ` after: ${(cause as Error).message}` : ''}; ` +
          `rebuilding the search failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  // --------------------------------------------------- removing and updating

  /**
   * Removes items by id (one id or a list), from search and store together,
   * all or nothing: an id the index does not hold, or listed twice, is a
   * ValueError and nothing changes. Ids are stable: the other items keep
   * theirs, a removed id is never given again, and lookups no longer return
   * the item. (faiss' `remove_ids` and usearch's `remove`; Python's Indexer
   * has none.) Needs a store and a search that can remove: memory, level and
   * redis stores; linear, faiss flat and usearch searches.
   */
  async remove(ids: number | ArrayLike<number>): Promise<void> {
    const given = idList(ids, 'Indexer.remove');
    return this.exclusive(async () => {
      const { store, search } = await this.removable('remove');
      if (given.length === 0) return;
      // every id held (batchGet refuses others), read for putting the search back if the store fails
      const old = await this.kvStore.batchGet(given);
      search.remove(given);
      try {
        await store.remove(given);
      } catch (err) {
        await this.restoreSearch(given, old.embeddings, err);
        throw err;
      }
    });
  }

  /**
   * Replaces items in place: each id's embedding, label and data become the
   * given ones (absent labels and data are null, as for batchAdd), in search
   * and store together, all or nothing. The ids stay. (A vector database's
   * update / upsert of existing ids; Python's Indexer has none.)
   */
  async update(
    ids: number | ArrayLike<number>,
    predictions: Predictions,
    labels?: ReadonlyArray<L | null | undefined> | ArrayLike<number> | null,
    data?: ReadonlyArray<unknown> | null,
  ): Promise<void> {
    const op = 'Indexer.update';
    const given = idList(ids, op);
    const m = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', op);
    if (m.rows !== given.length) throw new ShapeError(`predictions has ${m.rows} rows but ids lists ${given.length} items (${op})`);
    const l = labels == null ? null : copyLabels(labels, op);
    const d = checkData(data, m.rows);
    return this.exclusive(async () => {
      const { store, search } = await this.removable('update');
      const encoded = l === null ? null : this.labelTable.encode(l, m.rows, op);
      if (encoded && encoded.added.length > 0 && this.labelTable.size === 0) await this.checkNoIntegerLabels();
      if (given.length === 0) return;
      const old = await this.kvStore.batchGet(given);
      search.remove(given);
      try {
        search.batchAdd(m, given);
      } catch (err) {
        await this.restoreSearch(given, old.embeddings, err);
        throw err;
      }
      try {
        await store.update(given, m, encoded?.ids ?? null, d);
      } catch (err) {
        try {
          search.remove(given);
        } catch {
          // restoreSearch rebuilds from the store when putting back fails
        }
        await this.restoreSearch(given, old.embeddings, err);
        throw err;
      }
      if (encoded) this.labelTable.commit(encoded.added);
    });
  }

  /** The store and search, when both can remove and update (a clear error otherwise), in line with each other. */
  private async removable(
    what: string,
  ): Promise<{ store: Required<Pick<Store, 'remove' | 'update'>>; search: Required<Pick<Search, 'remove'>> & Search }> {
    const store = this.kvStore;
    const search = this.search;
    if (typeof store.remove !== 'function' || typeof store.update !== 'function') {
      throw new ValueError(
        `Indexer.${what}: the store ${store.constructor.name} cannot remove or update records (memory, level and redis stores can)`,
      );
    }
    if (typeof search.remove !== 'function') {
      throw new ValueError(
        `Indexer.${what}: the search ${search.constructor.name} cannot remove embeddings (linear, faiss flat and usearch can)`,
      );
    }
    await this.syncedSize();
    return { store: store as Required<Pick<Store, 'remove' | 'update'>>, search: search as Required<Pick<Search, 'remove'>> & Search };
  }

  /** Puts embeddings back into the search after a failed store write; rebuilds it from the store if that fails too. */
  private async restoreSearch(ids: number[], embeddings: Float32Array[], cause: unknown): Promise<void> {
    try {
      const data = new Float32Array(ids.length * this.embeddingSize);
      embeddings.forEach((e, i) => data.set(e, i * this.embeddingSize));
      this.search.batchAdd({ data, rows: ids.length, cols: this.embeddingSize }, ids);
    } catch {
      await this.rebuildSearch(cause);
    }
  }

  // ---------------------------------------------------------------- lookups

  /** The k nearest neighbours of one embedding, nearest first (rank 1). */
  async singleLookup(prediction: Prediction, k = 5): Promise<Array<IndexLookup<L>>> {
    const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction', 'Indexer.singleLookup');
    return this.exclusive(async () => {
      return this.restoreLabels(await this.lookupChecked({ data: embedding, rows: 1, cols: this.embeddingSize }, k, false))[0]!;
    });
  }

  /** The k nearest neighbours of each embedding. */
  async batchLookup(predictions: Predictions, k = 5, verbose?: Verbose): Promise<Array<Array<IndexLookup<L>>>> {
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.batchLookup');
    return this.exclusive(async () => this.restoreLabels(await this.lookupChecked(q, k, verbose)));
  }

  /** Lookups with the labels as indexed (the store holds table rows for string and JSON labels). */
  private restoreLabels(lookups: Lookup[][]): Array<Array<IndexLookup<L>>> {
    if (this.labelTable.size === 0) return lookups as Array<Array<IndexLookup<L>>>;
    return lookups.map((row) => row.map((l) => ({ ...l, label: this.labelTable.decode(l.label) as L | null })));
  }

  private async lookupChecked(q: Matrix, k: number, verbose: Verbose): Promise<Lookup[][]> {
    assertInteger(k, 'k', 1);
    const size = await this.syncedSize();
    if (size === 0) throw new EmptyIndexError('the index is empty: add embeddings before looking up neighbours');
    const started = performance.now();
    const progress = createProgress({ label: 'looking up', total: q.rows, enabled: q.rows > 1 ? progressFlag(verbose) : false });
    const neighbours: Array<{ ids: Int32Array; distances: Float32Array }> = [];
    for (let s = 0; s < q.rows; s += LOOKUP_CHUNK) {
      const rows = Math.min(LOOKUP_CHUNK, q.rows - s);
      const chunk: Matrix = { data: q.data.subarray(s * q.cols, (s + rows) * q.cols), rows, cols: q.cols };
      neighbours.push(...this.search.batchLookup(chunk, k));
      progress.tick(rows);
    }
    // one store read for every distinct neighbour
    const position = new Map<number, number>();
    const unique: number[] = [];
    for (const n of neighbours) {
      for (const id of n.ids) {
        if (!position.has(id)) {
          position.set(id, unique.length);
          unique.push(id);
        }
      }
    }
    const records = await this.kvStore.batchGet(unique);
    const out: Lookup[][] = neighbours.map((n) =>
      Array.from(n.ids, (id, i) => {
        const at = position.get(id)!;
        return {
          rank: i + 1,
          distance: n.distances[i]!,
          label: records.labels[at] ?? null,
          embedding: records.embeddings[at]!.slice(),
          data: records.data[at],
        };
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    this.timings.push(seconds / q.rows, q.rows);
    this.numLookups += q.rows;
    progress.done();
    return out;
  }

  // ------------------------------------------------------------- evaluation

  /**
   * Retrieval metrics of the index against labelled queries: looks up as
   * many neighbours as the most demanding metric needs, plus one (for
   * metrics that drop the closest lookup). Metrics that need each class's
   * number of indexed examples (RPrecision, MapAtR without `r`) get the
   * index's.
   */
  async evaluateRetrieval(
    predictions: Predictions,
    targetLabels: ArrayLike<L>,
    retrievalMetrics: ReadonlyArray<RetrievalMetric>,
    verbose?: Verbose,
  ): Promise<Record<string, number>> {
    const op = 'Indexer.evaluateRetrieval';
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', op);
    const given = copyLabels(targetLabels, op, 'targetLabels');
    assertRetrievalMetrics(retrievalMetrics);
    return this.exclusive(async () => {
      const labels = this.labelTable.encodeTargets(given, q.rows, op);
      const needsCounts = retrievalMetrics.some((m) => m.needsClassCounts());
      const classCounts = needsCounts ? await this.classCountsUnlocked() : undefined;
      const k = Math.max(1, ...retrievalMetrics.map((m) => m.neededK(classCounts ?? null)));
      const lookups = await this.lookupChecked(q, k + 1, verbose);
      return this.evaluator.evaluateRetrieval(labels, lookups, retrievalMetrics, classCounts ? { classCounts } : {});
    });
  }

  /** Number of indexed examples per label (unlabelled items are not counted), by label as indexed. */
  classCounts(): Promise<Map<L, number>> {
    return this.exclusive(async () => {
      const counts = await this.classCountsUnlocked();
      if (this.labelTable.size === 0) return counts as unknown as Map<L, number>;
      return new Map(Array.from(counts, ([row, n]) => [this.labelTable.decode(row) as L, n]));
    });
  }

  private async classCountsUnlocked(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const r of await this.kvStore.toRecords(0)) {
      if (r.label !== null && r.label !== undefined) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Classification metrics at the given distance thresholds: `{distance,
   * [metric name]: values}`. Positional as in Python, or
   * `(predictions, targetLabels, distanceThresholds, {metrics, matcher, k, verbose})`.
   */
  async evaluateClassification(
    predictions: Predictions,
    targetLabels: ArrayLike<L>,
    distanceThresholds: ArrayLike<number>,
    metrics?: ReadonlyArray<string | ClassificationMetric> | EvaluateClassificationOptions,
    matcher?: string | ClassificationMatch,
    k?: number,
    verbose?: Verbose,
  ): Promise<Record<string, Float32Array>> {
    const o: EvaluateClassificationOptions = optionsOf<EvaluateClassificationOptions>(
      metrics,
      EVALUATE_CLASSIFICATION_KEYS,
      'Indexer.evaluateClassification',
    ) ?? { metrics: metrics as ReadonlyArray<string | ClassificationMetric> | undefined, matcher, k, verbose };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.evaluateClassification');
    const given = copyLabels(targetLabels, 'Indexer.evaluateClassification', 'targetLabels');
    return this.exclusive(async () => {
      const labels = this.labelTable.encodeTargets(given, q.rows, 'Indexer.evaluateClassification');
      const combined = (o.metrics ?? ['f1']).map((m) => makeClassificationMetric(m));
      const matcherObj = makeClassificationMatcher(o.matcher ?? 'match_nearest');
      const lookups = await this.lookupChecked(q, o.k ?? 1, o.verbose);
      return this.evaluator.evaluateClassification(
        labels,
        unpackLookupLabels(lookups),
        unpackLookupDistances(lookups),
        distanceThresholds,
        combined,
        matcherObj,
        { verbose: o.verbose },
      );
    });
  }

  /**
   * Calibrates the distance threshold of a match on labelled queries (see
   * MemoryEvaluator.calibrate): the optimal cutpoint and one per target
   * `{name: value}` of the calibration metric. The index keeps the result
   * (saved with it) for `match`. Positional as in Python, or
   * `(predictions, targetLabels, thresholdsTargets, {calibrationMetric, k, matcher, extraMetrics, rounding, verbose})`.
   */
  async calibrate(
    predictions: Predictions,
    targetLabels: ArrayLike<L>,
    thresholdsTargets: Readonly<Record<string, number>> = {},
    calibrationMetric: string | ClassificationMetric | CalibrateOptions = 'f1_score',
    k = 1,
    matcher: string | ClassificationMatch = 'match_nearest',
    extraMetrics: ReadonlyArray<string | ClassificationMetric> = ['precision', 'recall'],
    rounding = 2,
    verbose?: Verbose,
  ): Promise<CalibrationResults> {
    const o: CalibrateOptions = optionsOf<CalibrateOptions>(calibrationMetric, CALIBRATE_KEYS, 'Indexer.calibrate') ?? {
      calibrationMetric: calibrationMetric as string | ClassificationMetric,
      k,
      matcher,
      extraMetrics,
      rounding,
      verbose,
    };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.calibrate');
    const given = copyLabels(targetLabels, 'Indexer.calibrate', 'targetLabels');
    return this.exclusive(async () => {
      const labels = this.labelTable.encodeTargets(given, q.rows, 'Indexer.calibrate');
      const metric = makeClassificationMetric(o.calibrationMetric ?? 'f1_score');
      const extra = (o.extraMetrics ?? ['precision', 'recall']).map((m) => makeClassificationMetric(m));
      const matcherObj = makeClassificationMatcher(o.matcher ?? 'match_nearest');
      const lookups = await this.lookupChecked(q, o.k ?? 1, o.verbose);
      const results = this.evaluator.calibrate(labels, lookups, thresholdsTargets ?? {}, metric, matcherObj, {
        extraMetrics: extra,
        verbose: o.verbose,
      });
      if (showOutput(o.verbose)) {
        const cps = Object.values(results.cutpoints);
        const headers = ['name', 'value', 'distance'];
        for (const key of Object.keys(cps[0] ?? {})) if (!headers.includes(key)) headers.push(key);
        console.log(
          `\n${formatTable(
            cps.map((cp) => headers.map((h) => cp[h])),
            headers,
            o.rounding ?? 2,
          )}`,
        );
      }
      this.isCalibrated = true;
      this.calibrationMetric = metric;
      this.calibrationMatcher = matcherObj;
      this.cutpoints = results.cutpoints;
      this.calibrationThresholds = results.thresholds;
      return results;
    });
  }

  /**
   * The matched label of each query at every calibrated cutpoint: the
   * matcher's label when its distance is within the cutpoint's distance,
   * `noMatchLabel` otherwise. Needs a calibrated, non-empty index.
   * Positional as in Python, or `(predictions, {noMatchLabel, k, matcher, verbose})`.
   */
  async match(
    predictions: Predictions,
    noMatchLabel: number | MatchOptions = -1,
    k = 1,
    matcher: string | ClassificationMatch = 'match_nearest',
    verbose?: Verbose,
  ): Promise<Record<string, Array<L | number>>> {
    const o: MatchOptions = optionsOf<MatchOptions>(noMatchLabel, MATCH_KEYS, 'Indexer.match') ?? {
      noMatchLabel: noMatchLabel as number,
      k,
      matcher,
      verbose,
    };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.match');
    return this.exclusive(async () => {
      if ((await this.syncedSize()) === 0) throw new EmptyIndexError('the index is empty: add and calibrate before match');
      if (!this.isCalibrated || Object.keys(this.cutpoints).length === 0) {
        throw new StateError('the index is not calibrated: call calibrate() before match()');
      }
      const noMatch = o.noMatchLabel ?? -1;
      if (typeof noMatch !== 'number' || !Number.isFinite(noMatch))
        throw new ValueError(`noMatchLabel must be a number, got ${String(noMatch)}`);
      const matcherObj = makeClassificationMatcher(o.matcher ?? 'match_nearest');
      const lookups = await this.lookupChecked(q, o.k ?? 1, o.verbose);
      const derived = matcherObj.deriveMatch(unpackLookupLabels(lookups), unpackLookupDistances(lookups));
      const restored = this.labelTable.decodeAll(derived.labels) as Array<L | number>;
      const matches: Record<string, Array<L | number>> = {};
      for (const [name, cp] of Object.entries(this.cutpoints)) {
        const threshold = Number(cp.distance);
        matches[name] = restored.map((label, i) => (derived.distances[i]! <= threshold ? label : noMatch));
      }
      return matches;
    });
  }

  getCalibrationMetric(): ClassificationMetric {
    return this.calibrationMetric;
  }

  // ------------------------------------------------------------ bookkeeping

  /** Number of indexed items. */
  size(): Promise<number> {
    return this.exclusive(() => this.kvStore.size());
  }

  /** Size, number of lookups and query latency (seconds) over the last statBufferSize queries. */
  stats(): Promise<IndexStats> {
    return this.exclusive(async () => ({
      numLookups: this.numLookups,
      size: await this.kvStore.size(),
      statBufferSize: this.statBufferSize,
      queryPerformance: queryPerformance(this.timings.toArray()),
    }));
  }

  /** Prints the index's settings and query performance as tables. */
  async printStats(): Promise<void> {
    const stats = await this.stats();
    const info = formatTable([
      ['distance', this.distance.name],
      ['key value store', this.kvStore.constructor.name],
      ['search algorithm', this.search.constructor.name],
      ['evaluator', this.evaluatorType],
      ['index size', stats.size],
      ['calibrated', this.isCalibrated],
      ['calibration_metric', this.calibrationMetric.name],
      ['embedding_output', this.embeddingOutput],
    ]);
    const perf = formatTable([
      ['num lookups', stats.numLookups],
      ...Object.entries(stats.queryPerformance).map(([key, value]) => [key, formatSeconds(value)]),
    ]);
    console.log(`[Info]\n${info}\n\n\n[Performance]\n${perf}`);
  }

  /** The first `numItems` items (0: all) as rows {id, embedding, label, data}. */
  toRecords(numItems = 0): Promise<Array<IndexRecord<L>>> {
    return this.exclusive(async () => {
      const records = await this.kvStore.toRecords(numItems);
      if (this.labelTable.size === 0) return records as Array<IndexRecord<L>>;
      return records.map((r) => ({ ...r, label: this.labelTable.decode(r.label) as L | null }));
    });
  }

  /** The first `numItems` items (0: all), column by column: the Python `to_data_frame`. */
  async toDataFrame(numItems = 0): Promise<IndexDataFrame<L>> {
    const rows = await this.toRecords(numItems);
    return {
      id: rows.map((r) => r.id),
      embedding: rows.map((r) => r.embedding),
      label: rows.map((r) => r.label),
      data: rows.map((r) => r.data),
    };
  }

  /** Empties the index and forgets its calibration and statistics. */
  reset(): Promise<void> {
    return this.exclusive(async () => {
      this.search.reset();
      await this.kvStore.reset();
      this.labelTable.clear();
      this.nextId = undefined;
      this.isCalibrated = false;
      this.calibrationMetric = new F1Score();
      this.calibrationMatcher = null;
      this.cutpoints = {};
      this.calibrationThresholds = {};
      this.numLookups = 0;
      this.timings.clear();
    });
  }

  /** Releases the store's connections and handles. */
  close(): Promise<void> {
    return this.exclusive(() => this.kvStore.close());
  }

  // ------------------------------------------------------------ persistence

  /**
   * Saves the index to the folder `dir` (a manifest, the calibration curve
   * and statistics as binary arrays, the store and the search), atomically:
   * a failure leaves the previous folder, never a half-written one.
   */
  save(dir: string, options: SaveOptions = {}): Promise<void> {
    return this.exclusive(async () => {
      await checkOverwrite(dir, options.overwrite);
      const size = await this.syncedSize();
      const calibrationConfig = this.calibrationMetric.getConfig();
      const state: IndexState = {
        size,
        distance: this.distance.name,
        embeddingSize: this.embeddingSize,
        embeddingOutput: this.embeddingOutput,
        evaluator: this.evaluatorType,
        evaluatorConfig: serializeEvaluator(this.evaluator).config,
        calibrationMatcher: this.isCalibrated && this.calibrationMatcher ? serializeMatcher(this.calibrationMatcher) : null,
        kvStoreConfig: { ...this.kvStore.getConfig() },
        searchConfig: { ...this.search.getConfig() },
        statBufferSize: this.statBufferSize,
        isCalibrated: this.isCalibrated,
        calibrationMetricConfig: { name: calibrationConfig.name, canonicalName: calibrationConfig.canonicalName },
        cutpoints: this.cutpoints,
        calibrationThresholds: this.calibrationThresholds,
        numLookups: this.numLookups,
        timings: this.timings.toArray(),
        labelTable: this.labelTable.size > 0 ? this.labelTable.toJson() : null,
      };
      await writeFolderAtomically(dir, (tmp) => writeIndexFolder(tmp, state, this.kvStore, this.search));
    });
  }

  /**
   * Loads an index saved by `save`: search and store made from their saved
   * configs (or the ones given), contents, calibration and statistics.
   */
  static async load<L = Label>(dir: string, options: LoadOptions = {}): Promise<Indexer<L>> {
    const saved = await readIndexFolder(dir);
    const progress = createProgress({ label: 'loading index', total: 2, enabled: progressFlag(options.verbose) });
    // A custom evaluator or matcher comes back by its registered name; an unregistered one fails here, before any store is made.
    const evaluator = options.evaluator ?? deserializeEvaluator({ className: saved.evaluator, config: saved.evaluatorConfig ?? {} });
    const calibrationMatcher = saved.isCalibrated && saved.calibrationMatcher ? deserializeMatcher(saved.calibrationMatcher) : null;
    const createdStore = options.kvStore === undefined || typeof options.kvStore === 'string' || !isStore(options.kvStore);
    const index = new Indexer<L>(saved.embeddingSize, {
      distance: saved.distance,
      search: options.search ?? (saved.searchConfig as SearchSpec),
      kvStore: options.kvStore ?? storeForLoad(saved.kvStoreConfig),
      evaluator,
      embeddingOutput: saved.embeddingOutput,
      statBufferSize: saved.statBufferSize,
    });
    try {
      // A load never replaces records it did not write: the store must start empty.
      const existing = await index.kvStore.size();
      if (existing !== 0) {
        throw new StateError(
          `${dir}: the store to load into already holds ${existing} records; Indexer.load only fills an empty store (give an empty one as kvStore, or none)`,
        );
      }
      await index.kvStore.load(saved.storeDir);
      index.nextId = await savedNextId(saved.storeDir);
      progress.tick();
      await index.search.load(saved.searchDir);
      progress.tick();
      const stored = await index.kvStore.size();
      if (stored !== saved.size || index.search.size() !== saved.size) {
        throw new FormatError(
          `${dir}: the manifest lists ${saved.size} items, the store holds ${stored} and the search ${index.search.size()}`,
        );
      }
      await checkSearchAgainstStore(index.search, index.kvStore, stored, dir);
      if (saved.labelTable) {
        index.labelTable = saved.labelTable;
        await checkStoreLabels(index.kvStore, saved.labelTable.size, dir);
      }
      index.isCalibrated = saved.isCalibrated;
      if (saved.isCalibrated) {
        const config = saved.calibrationMetricConfig!;
        index.calibrationMetric = makeClassificationMetric(config.canonicalName, config.name);
        index.cutpoints = saved.cutpoints;
        index.calibrationMatcher = calibrationMatcher;
        index.calibrationThresholds = saved.calibrationThresholds;
      }
      index.numLookups = saved.numLookups;
      index.timings = LatencyBuffer.from(index.statBufferSize, saved.timings);
    } catch (err) {
      if (createdStore) await index.kvStore.close().catch(() => undefined);
      throw err;
    }
    progress.done();
    return index;
  }

  /** Runs `fn` after every earlier operation: the index changes one operation at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

/**
 * A copy of the caller's labels taken at the call: JSON values are checked
 * and copied now, the kind checked when the queued operation runs (against
 * the label table then).
 */
function copyLabels(labels: ArrayLike<unknown>, op: string, name = 'labels'): unknown[] {
  if (labels == null || typeof labels.length !== 'number' || typeof labels === 'string') {
    throw new ShapeError(`${name} (${op}) must be an array of labels`);
  }
  return Array.from(labels, (l, i) =>
    l !== null && typeof l === 'object' && !ArrayBuffer.isView(l) ? (JSON.parse(canonicalJson(l, `${name}[${i}] (${op})`)) as unknown) : l,
  );
}

/** One id or a list of them, copied at the call. */
function idList(ids: number | ArrayLike<number>, op: string): number[] {
  if (typeof ids === 'number') return [ids];
  if (ids == null || typeof ids.length !== 'number' || typeof ids === 'string')
    throw new ValueError(`ids (${op}) must be an id or an array of ids`);
  return Array.from(ids);
}

/** The next id of a saved store (checked by the store's load already): after removals it is not the size. */
async function savedNextId(storeDir: string): Promise<number> {
  const manifest = (await readManifest(storeDir, STORE_FORMAT, [1, STORE_FORMAT_VERSION])) as { size?: unknown; nextId?: unknown };
  return Number(manifest.nextId ?? manifest.size);
}
