/**
 * The index: embeddings with their labels and data, searchable by distance,
 * calibrated to decide "same class or unknown". The Python library's
 * `Indexer`, on typed arrays (no TensorFlow.js).
 */
import { performance } from 'node:perf_hooks';
import {
  type ClassificationMetric,
  F1Score,
  makeClassificationMetric,
} from '@tfsim/classification-metrics';
import { type RowDistance as Distance, type DistanceConfig, getDistance } from '@tfsim/distances/rows';
import {
  type CalibrationResults,
  type Cutpoint,
  type Evaluator,
  deserializeEvaluator,
  evaluatorName,
  makeEvaluator,
  serializeEvaluator,
  unpackLookupDistances,
  unpackLookupLabels,
} from '@tfsim/evaluators';
import { type ClassificationMatch, deserializeMatcher, makeClassificationMatcher, serializeMatcher } from '@tfsim/matchers';
import { type RetrievalMetric, assertRetrievalMetrics } from '@tfsim/retrieval-metrics';
import type { Search } from '@tfsim/search';
import type { Store } from '@tfsim/stores';
import {
  EmptyIndexError,
  FormatError,
  type IndexedItem,
  type Label,
  type Lookup,
  type Matrix,
  StateError,
  ValueError,
  assertInteger,
  checkOverwrite,
  createProgress,
  progressEnabled,
  toLabel,
  writeFolderAtomically,
  type OptionKeys,
} from '@tfsim/utils/core';
import {
  type Prediction,
  type Predictions,
  checkData,
  checkDatum,
  checkLabels,
  checkTargetLabels,
  toEmbedding,
  toEmbeddings,
} from './inputs';
import { isPlainObject, optionsOf } from './call-style';
import { type SearchSpec, type StoreSpec, isStore, makeSearch, makeStore } from './resolve';
import { type IndexState, checkSearchAgainstStore, readIndexFolder, storeForLoad, writeIndexFolder } from './saved-index';
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
export interface IndexDataFrame {
  id: number[];
  embedding: Float32Array[];
  label: Array<Label | null>;
  data: unknown[];
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
  calibrationMetric: true, k: true, matcher: true, extraMetrics: true, rounding: true, verbose: true,
};
const MATCH_KEYS: OptionKeys<MatchOptions> = { noMatchLabel: true, k: true, matcher: true, verbose: true };

export class Indexer {
  static readonly optionKeys: OptionKeys<IndexerOptions> = {
    distance: true, search: true, kvStore: true, evaluator: true, embeddingOutput: true, statBufferSize: true,
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
    const o: IndexerOptions =
      optionsOf<IndexerOptions>(isPlainObject(distanceOrOptions) && !('name' in distanceOrOptions) ? distanceOrOptions : undefined, new.target.optionKeys, new.target.name) ??
      { distance: distanceOrOptions as Distance | string | undefined, search, kvStore, evaluator, embeddingOutput, statBufferSize };
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
  async add(prediction: Prediction, label?: Label | null, data?: unknown, options: AddOptions = {}): Promise<number> {
    // Inputs are checked and copied at the call, not when the queued operation runs.
    const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction', 'Indexer.add');
    const l = toLabel(label, { name: 'label', op: 'Indexer.add', nullable: true });
    const datum = checkDatum(data, 'data');
    return this.exclusive(async () => {
      const m: Matrix = { data: embedding, rows: 1, cols: this.embeddingSize };
      return (await this.addChecked(m, [l], [datum], options.verbose))[0]!;
    });
  }

  /**
   * Adds a batch of embeddings (one row each), with one label and one data
   * entry per row when given; returns their ids. All or nothing: on any
   * failure neither search nor store keeps a row of the batch.
   */
  async batchAdd(
    predictions: Predictions,
    labels?: ReadonlyArray<Label | null | undefined> | ArrayLike<number> | null,
    data?: ReadonlyArray<unknown> | null,
    options: AddOptions = {},
  ): Promise<number[]> {
    const m = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.batchAdd');
    const l = checkLabels(labels, m.rows, 'Indexer.batchAdd');
    const d = checkData(data, m.rows);
    return this.exclusive(() => this.addChecked(m, l, d, options.verbose));
  }

  private async addChecked(m: Matrix, labels: Array<Label | null> | null, data: unknown[] | null, verbose: Verbose): Promise<number[]> {
    const progress = createProgress({ label: 'indexing', total: m.rows, enabled: progressFlag(verbose) });
    const start = await this.syncedSize();
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
    progress.tick(m.rows);
    progress.done();
    return stored;
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
      this.search.batchAdd({ data, rows: records.length, cols: this.embeddingSize }, records.map((r) => r.id));
    } catch (err) {
      throw new StateError(
        `the index could not be brought back in line with its store${cause ? ` after: ${(cause as Error).message}` : ''}; ` +
          `rebuilding the search failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  // ---------------------------------------------------------------- lookups

  /** The k nearest neighbours of one embedding, nearest first (rank 1). */
  async singleLookup(prediction: Prediction, k = 5): Promise<Lookup[]> {
    const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction', 'Indexer.singleLookup');
    return this.exclusive(async () => {
      return (await this.lookupChecked({ data: embedding, rows: 1, cols: this.embeddingSize }, k, false))[0]!;
    });
  }

  /** The k nearest neighbours of each embedding. */
  async batchLookup(predictions: Predictions, k = 5, verbose?: Verbose): Promise<Lookup[][]> {
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.batchLookup');
    return this.exclusive(() => this.lookupChecked(q, k, verbose));
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
    targetLabels: ArrayLike<Label>,
    retrievalMetrics: ReadonlyArray<RetrievalMetric>,
    verbose?: Verbose,
  ): Promise<Record<string, number>> {
    const op = 'Indexer.evaluateRetrieval';
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', op);
    const labels = checkTargetLabels(targetLabels, q.rows, op);
    assertRetrievalMetrics(retrievalMetrics);
    return this.exclusive(async () => {
      const needsCounts = retrievalMetrics.some((m) => m.needsClassCounts());
      const classCounts = needsCounts ? await this.classCountsUnlocked() : undefined;
      const k = Math.max(1, ...retrievalMetrics.map((m) => m.neededK(classCounts ?? null)));
      const lookups = await this.lookupChecked(q, k + 1, verbose);
      return this.evaluator.evaluateRetrieval(labels, lookups, retrievalMetrics, classCounts ? { classCounts } : {});
    });
  }

  /** Number of indexed examples per label (unlabelled items are not counted). */
  classCounts(): Promise<Map<number, number>> {
    return this.exclusive(() => this.classCountsUnlocked());
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
    targetLabels: ArrayLike<Label>,
    distanceThresholds: ArrayLike<number>,
    metrics?: ReadonlyArray<string | ClassificationMetric> | EvaluateClassificationOptions,
    matcher?: string | ClassificationMatch,
    k?: number,
    verbose?: Verbose,
  ): Promise<Record<string, Float32Array>> {
    const o: EvaluateClassificationOptions =
      optionsOf<EvaluateClassificationOptions>(metrics, EVALUATE_CLASSIFICATION_KEYS, 'Indexer.evaluateClassification') ??
      { metrics: metrics as ReadonlyArray<string | ClassificationMetric> | undefined, matcher, k, verbose };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.evaluateClassification');
    const labels = checkTargetLabels(targetLabels, q.rows, 'Indexer.evaluateClassification');
    return this.exclusive(async () => {
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
    targetLabels: ArrayLike<Label>,
    thresholdsTargets: Readonly<Record<string, number>> = {},
    calibrationMetric: string | ClassificationMetric | CalibrateOptions = 'f1_score',
    k = 1,
    matcher: string | ClassificationMatch = 'match_nearest',
    extraMetrics: ReadonlyArray<string | ClassificationMetric> = ['precision', 'recall'],
    rounding = 2,
    verbose?: Verbose,
  ): Promise<CalibrationResults> {
    const o: CalibrateOptions =
      optionsOf<CalibrateOptions>(calibrationMetric, CALIBRATE_KEYS, 'Indexer.calibrate') ??
      { calibrationMetric: calibrationMetric as string | ClassificationMetric, k, matcher, extraMetrics, rounding, verbose };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.calibrate');
    const labels = checkTargetLabels(targetLabels, q.rows, 'Indexer.calibrate');
    return this.exclusive(async () => {
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
        console.log(`\n${formatTable(cps.map((cp) => headers.map((h) => cp[h])), headers, o.rounding ?? 2)}`);
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
  ): Promise<Record<string, number[]>> {
    const o: MatchOptions =
      optionsOf<MatchOptions>(noMatchLabel, MATCH_KEYS, 'Indexer.match') ??
      { noMatchLabel: noMatchLabel as number, k, matcher, verbose };
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions', 'Indexer.match');
    return this.exclusive(async () => {
      if ((await this.syncedSize()) === 0) throw new EmptyIndexError('the index is empty: add and calibrate before match');
      if (!this.isCalibrated || Object.keys(this.cutpoints).length === 0) {
        throw new StateError('the index is not calibrated: call calibrate() before match()');
      }
      const noMatch = o.noMatchLabel ?? -1;
      if (typeof noMatch !== 'number' || !Number.isFinite(noMatch)) throw new ValueError(`noMatchLabel must be a number, got ${String(noMatch)}`);
      const matcherObj = makeClassificationMatcher(o.matcher ?? 'match_nearest');
      const lookups = await this.lookupChecked(q, o.k ?? 1, o.verbose);
      const derived = matcherObj.deriveMatch(unpackLookupLabels(lookups), unpackLookupDistances(lookups));
      const matches: Record<string, number[]> = {};
      for (const [name, cp] of Object.entries(this.cutpoints)) {
        const threshold = Number(cp.distance);
        matches[name] = Array.from(derived.labels, (label, i) => (derived.distances[i]! <= threshold ? label : noMatch));
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
  toRecords(numItems = 0): Promise<IndexedItem[]> {
    return this.exclusive(() => this.kvStore.toRecords(numItems));
  }

  /** The first `numItems` items (0: all), column by column: the Python `to_data_frame`. */
  async toDataFrame(numItems = 0): Promise<IndexDataFrame> {
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
      };
      await writeFolderAtomically(dir, (tmp) => writeIndexFolder(tmp, state, this.kvStore, this.search));
    });
  }

  /**
   * Loads an index saved by `save`: search and store made from their saved
   * configs (or the ones given), contents, calibration and statistics.
   */
  static async load(dir: string, options: LoadOptions = {}): Promise<Indexer> {
    const saved = await readIndexFolder(dir);
    const progress = createProgress({ label: 'loading index', total: 2, enabled: progressFlag(options.verbose) });
    // A custom evaluator or matcher comes back by its registered name; an unregistered one fails here, before any store is made.
    const evaluator = options.evaluator ?? deserializeEvaluator({ className: saved.evaluator, config: saved.evaluatorConfig ?? {} });
    const calibrationMatcher = saved.isCalibrated && saved.calibrationMatcher ? deserializeMatcher(saved.calibrationMatcher) : null;
    const createdStore = options.kvStore === undefined || typeof options.kvStore === 'string' || !isStore(options.kvStore);
    const index = new Indexer(saved.embeddingSize, {
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
      progress.tick();
      await index.search.load(saved.searchDir);
      progress.tick();
      const stored = await index.kvStore.size();
      if (stored !== saved.size || index.search.size() !== saved.size) {
        throw new FormatError(`${dir}: the manifest lists ${saved.size} items, the store holds ${stored} and the search ${index.search.size()}`);
      }
      await checkSearchAgainstStore(index.search, index.kvStore, stored, dir);
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
