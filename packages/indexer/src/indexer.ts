/**
 * The index: embeddings with their labels and data, searchable by distance,
 * calibrated to decide "same class or unknown". The Python library's
 * `Indexer`, on typed arrays (no TensorFlow.js).
 */
import { performance } from 'node:perf_hooks';
import * as path from 'node:path';
import { promises as fsp } from 'node:fs';
import {
  type ClassificationMetric,
  F1Score,
  makeClassificationMetric,
} from '@tfsim/classification-metrics';
import { type Distance, type DistanceConfig, getDistance } from '@tfsim/distances';
import {
  type CalibrationResults,
  type Cutpoint,
  type Evaluator,
  MemoryEvaluator,
  unpackLookupDistances,
  unpackLookupLabels,
} from '@tfsim/evaluators';
import { type ClassificationMatch, makeClassificationMatcher } from '@tfsim/matchers';
import type { RetrievalMetric } from '@tfsim/retrieval-metrics';
import type { Search } from '@tfsim/search';
import type { Store } from '@tfsim/stores';
import {
  type ArrayDescriptor,
  EmptyIndexError,
  FormatError,
  type IndexedItem,
  type Label,
  type Lookup,
  type Matrix,
  StateError,
  TfsimError,
  UnknownNameError,
  ValueError,
  assertInteger,
  createProgress,
  progressEnabled,
  readArray,
  readManifest,
  writeArray,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils';
import {
  type Prediction,
  type Predictions,
  checkData,
  checkDatum,
  checkLabel,
  checkLabels,
  checkTargetLabels,
  toEmbedding,
  toEmbeddings,
} from './inputs';
import { type SearchSpec, type StoreSpec, makeSearch, makeStore } from './resolve';
import { type IndexStats, LatencyBuffer, queryPerformance } from './stats';
import { formatTable } from './table';

export const INDEX_FORMAT = 'tfsim.index';
export const INDEX_FORMAT_VERSION = 1;

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

interface IndexManifest {
  format: string;
  version: number;
  size: number;
  distance: string;
  embeddingSize: number;
  embeddingOutput: number | null;
  evaluator: string;
  kvStoreConfig: Record<string, unknown>;
  searchConfig: Record<string, unknown>;
  statBufferSize: number;
  isCalibrated: boolean;
  calibrationMetricConfig: { name: string; canonicalName: string };
  cutpoints: Record<string, Record<string, number | string>>;
  calibrationThresholds: Array<{ key: string; array: ArrayDescriptor }>;
  stats: { numLookups: number; timings: ArrayDescriptor };
}

/** Neighbours looked up per chunk of queries, so progress moves on long lookups. */
const LOOKUP_CHUNK = 1024;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
}

function showOutput(verbose: Verbose): boolean {
  return verbose === undefined ? progressEnabled(process.stdout) : Boolean(verbose);
}

function progressFlag(verbose: Verbose): boolean | undefined {
  return verbose === undefined ? undefined : Boolean(verbose);
}

/** Cutpoints in JSON: non-finite numbers as strings. */
function encodeCutpoints(cutpoints: Record<string, Cutpoint>): Record<string, Record<string, number | string>> {
  const out: Record<string, Record<string, number | string>> = {};
  for (const [name, cp] of Object.entries(cutpoints)) {
    out[name] = {};
    for (const [key, value] of Object.entries(cp)) {
      out[name]![key] = typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    }
  }
  return out;
}

function decodeCutpoints(cutpoints: Record<string, Record<string, number | string>>): Record<string, Cutpoint> {
  const out: Record<string, Cutpoint> = {};
  for (const [name, cp] of Object.entries(cutpoints ?? {})) {
    const decoded: Record<string, number | string> = {};
    for (const [key, value] of Object.entries(cp)) decoded[key] = key === 'name' ? value : Number(value);
    out[name] = decoded as Cutpoint;
  }
  return out;
}

/**
 * Indexes embeddings for nearest-neighbour lookup, calibrates the distance
 * threshold of a match, matches, evaluates, saves and loads.
 *
 * Every operation that changes the index updates search and store together
 * or not at all, and operations run one at a time (concurrent calls queue).
 */
export class Indexer {
  readonly embeddingSize: number;
  readonly distance: Distance;
  readonly search: Search;
  readonly kvStore: Store;
  readonly evaluator: Evaluator;
  /** `memory`, or the class name of a custom evaluator. */
  readonly evaluatorType: string;
  readonly embeddingOutput: number | null;
  readonly statBufferSize: number;

  isCalibrated = false;
  calibrationMetric: ClassificationMetric = new F1Score();
  cutpoints: Record<string, Cutpoint> = {};
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
    const o: IndexerOptions =
      isPlainObject(distanceOrOptions) && !('name' in distanceOrOptions && Object.keys(distanceOrOptions).length === 1)
        ? (distanceOrOptions as IndexerOptions)
        : { distance: distanceOrOptions as Distance | string | undefined, search, kvStore, evaluator, embeddingOutput, statBufferSize };
    assertInteger(embeddingSize, 'embeddingSize', 1);
    this.embeddingSize = embeddingSize;
    this.distance = getDistance(o.distance ?? 'cosine');
    this.embeddingOutput = o.embeddingOutput ?? null;
    if (this.embeddingOutput !== null) assertInteger(this.embeddingOutput, 'embeddingOutput', 0);
    this.statBufferSize = o.statBufferSize ?? 1000;
    assertInteger(this.statBufferSize, 'statBufferSize', 1);
    const ev = o.evaluator ?? 'memory';
    if (typeof ev === 'string') {
      if (ev.toLowerCase() !== 'memory') throw new UnknownNameError('evaluator', ev, ['memory']);
      this.evaluator = new MemoryEvaluator();
      this.evaluatorType = 'memory';
    } else if (ev !== null && typeof ev === 'object' && typeof ev.calibrate === 'function') {
      this.evaluator = ev;
      this.evaluatorType = ev instanceof MemoryEvaluator ? 'memory' : ev.constructor.name;
    } else {
      throw new TfsimError('evaluator must be "memory" or an Evaluator');
    }
    this.search = makeSearch(o.search ?? 'auto', this.distance, embeddingSize);
    this.kvStore = makeStore(o.kvStore ?? 'memory');
    this.timings = new LatencyBuffer(this.statBufferSize);
  }

  // ------------------------------------------------------------------ adding

  /** Adds one embedding with its label and data; returns its id. */
  add(prediction: Prediction, label?: Label | null, data?: unknown, options: AddOptions = {}): Promise<number> {
    return this.exclusive(async () => {
      const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction');
      const l = checkLabel(label, 'label');
      checkDatum(data, 'data');
      const m: Matrix = { data: embedding, rows: 1, cols: this.embeddingSize };
      return (await this.addChecked(m, [l], [data], options.verbose))[0]!;
    });
  }

  /**
   * Adds a batch of embeddings (one row each), with one label and one data
   * entry per row when given; returns their ids. All or nothing: on any
   * failure neither search nor store keeps a row of the batch.
   */
  batchAdd(
    predictions: Predictions,
    labels?: ReadonlyArray<Label | null | undefined> | ArrayLike<number> | null,
    data?: ReadonlyArray<unknown> | null,
    options: AddOptions = {},
  ): Promise<number[]> {
    return this.exclusive(async () => {
      const m = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
      const l = checkLabels(labels, m.rows);
      const d = checkData(data, m.rows);
      return this.addChecked(m, l, d, options.verbose);
    });
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
  singleLookup(prediction: Prediction, k = 5): Promise<Lookup[]> {
    return this.exclusive(async () => {
      const embedding = toEmbedding(prediction, this.embeddingSize, this.embeddingOutput, 'prediction');
      return (await this.lookupChecked({ data: embedding, rows: 1, cols: this.embeddingSize }, k, false))[0]!;
    });
  }

  /** The k nearest neighbours of each embedding. */
  batchLookup(predictions: Predictions, k = 5, verbose?: Verbose): Promise<Lookup[][]> {
    return this.exclusive(() => this.lookupUnlocked(predictions, k, verbose));
  }

  private lookupUnlocked(predictions: Predictions, k: number, verbose: Verbose): Promise<Lookup[][]> {
    const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
    return this.lookupChecked(q, k, verbose);
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
  evaluateRetrieval(
    predictions: Predictions,
    targetLabels: ArrayLike<Label>,
    retrievalMetrics: ReadonlyArray<RetrievalMetric>,
    verbose?: Verbose,
  ): Promise<Record<string, number>> {
    return this.exclusive(async () => {
      const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
      const labels = checkTargetLabels(targetLabels, q.rows);
      if (!Array.isArray(retrievalMetrics) || retrievalMetrics.length === 0) {
        throw new ValueError('retrievalMetrics must list at least one RetrievalMetric');
      }
      const needsCounts = retrievalMetrics.some((m) => typeof (m as { neededK?: unknown }).neededK === 'function' && (m as { r?: unknown }).r == null);
      const classCounts = needsCounts ? await this.classCountsUnlocked() : undefined;
      let k = 1;
      for (const m of retrievalMetrics) {
        if (m == null || typeof m.compute !== 'function' || typeof m.k !== 'number') {
          throw new ValueError(`${String(m)} is not a valid RetrievalMetric: create it with its k, e.g. new RecallAtK({ k: 5 })`);
        }
        const needs = m as { neededK?: (c: Map<number, number> | null) => number; r?: unknown };
        const mk = typeof needs.neededK === 'function' && needs.r == null ? needs.neededK(classCounts ?? null) : m.k;
        k = Math.max(k, mk);
      }
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
  evaluateClassification(
    predictions: Predictions,
    targetLabels: ArrayLike<Label>,
    distanceThresholds: ArrayLike<number>,
    metrics?: ReadonlyArray<string | ClassificationMetric> | EvaluateClassificationOptions,
    matcher?: string | ClassificationMatch,
    k?: number,
    verbose?: Verbose,
  ): Promise<Record<string, Float32Array>> {
    const o: EvaluateClassificationOptions = isPlainObject(metrics) ? (metrics as EvaluateClassificationOptions) : { metrics: metrics as ReadonlyArray<string | ClassificationMetric> | undefined, matcher, k, verbose };
    return this.exclusive(async () => {
      const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
      const labels = checkTargetLabels(targetLabels, q.rows);
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
  calibrate(
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
    const o: CalibrateOptions = isPlainObject(calibrationMetric)
      ? (calibrationMetric as CalibrateOptions)
      : { calibrationMetric: calibrationMetric as string | ClassificationMetric, k, matcher, extraMetrics, rounding, verbose };
    return this.exclusive(async () => {
      const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
      const labels = checkTargetLabels(targetLabels, q.rows);
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
  match(
    predictions: Predictions,
    noMatchLabel: number | MatchOptions = -1,
    k = 1,
    matcher: string | ClassificationMatch = 'match_nearest',
    verbose?: Verbose,
  ): Promise<Record<string, number[]>> {
    const o: MatchOptions = isPlainObject(noMatchLabel) ? (noMatchLabel as MatchOptions) : { noMatchLabel: noMatchLabel as number, k, matcher, verbose };
    return this.exclusive(async () => {
      const q = toEmbeddings(predictions, this.embeddingSize, this.embeddingOutput, 'predictions');
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
      ...Object.entries(stats.queryPerformance).map(([key, value]) => [key, value]),
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
      if (options.overwrite === false) {
        const exists = await fsp.stat(dir).then(() => true, () => false);
        if (exists) throw new ValueError(`${dir} already exists; pass { overwrite: true } to replace it`);
      }
      const size = await this.syncedSize();
      await writeFolderAtomically(dir, async (tmp) => {
        const thresholds: IndexManifest['calibrationThresholds'] = [];
        let i = 0;
        for (const [key, values] of Object.entries(this.calibrationThresholds)) {
          thresholds.push({ key, array: await writeArray(tmp, `calibration-${i++}.f32`, Float32Array.from(values)) });
        }
        const timings = await writeArray(tmp, 'lookup-timings.f64', this.timings.toArray());
        const calibrationConfig = this.calibrationMetric.getConfig();
        const manifest: IndexManifest = {
          format: INDEX_FORMAT,
          version: INDEX_FORMAT_VERSION,
          size,
          distance: this.distance.name,
          embeddingSize: this.embeddingSize,
          embeddingOutput: this.embeddingOutput,
          evaluator: this.evaluatorType,
          kvStoreConfig: { ...this.kvStore.getConfig() },
          searchConfig: { ...this.search.getConfig() },
          statBufferSize: this.statBufferSize,
          isCalibrated: this.isCalibrated,
          calibrationMetricConfig: { name: calibrationConfig.name, canonicalName: calibrationConfig.canonicalName },
          cutpoints: encodeCutpoints(this.cutpoints),
          calibrationThresholds: thresholds,
          stats: { numLookups: this.numLookups, timings },
        };
        await this.kvStore.save(path.join(tmp, 'store'));
        await this.search.save(path.join(tmp, 'search'));
        await writeManifest(tmp, manifest as unknown as { format: string; version: number });
      });
    });
  }

  /**
   * Loads an index saved by `save`: search and store made from their saved
   * configs (or the ones given), contents, calibration and statistics.
   */
  static async load(dir: string, options: LoadOptions = {}): Promise<Indexer> {
    const md = (await readManifest(dir, INDEX_FORMAT, [INDEX_FORMAT_VERSION])) as unknown as IndexManifest;
    const progress = createProgress({ label: 'loading index', total: 2, enabled: progressFlag(options.verbose) });
    const evaluator = options.evaluator ?? (md.evaluator === 'memory' ? 'memory' : undefined);
    const index = new Indexer(md.embeddingSize, {
      distance: md.distance,
      search: options.search ?? (md.searchConfig as SearchSpec),
      kvStore: options.kvStore ?? (md.kvStoreConfig as StoreSpec),
      evaluator,
      embeddingOutput: md.embeddingOutput,
      statBufferSize: md.statBufferSize,
    });
    await index.kvStore.load(path.join(dir, 'store'));
    progress.tick();
    await index.search.load(path.join(dir, 'search'));
    progress.tick();
    const stored = await index.kvStore.size();
    if (stored !== md.size || index.search.size() !== md.size) {
      throw new FormatError(`${dir}: the manifest lists ${md.size} items, the store holds ${stored} and the search ${index.search.size()}`);
    }
    index.isCalibrated = Boolean(md.isCalibrated);
    if (index.isCalibrated) {
      index.calibrationMetric = makeClassificationMetric(md.calibrationMetricConfig.canonicalName, md.calibrationMetricConfig.name);
      index.cutpoints = decodeCutpoints(md.cutpoints);
      const thresholds: Record<string, Float32Array> = {};
      for (const { key, array } of md.calibrationThresholds ?? []) thresholds[key] = await readArray(dir, array, 'float32');
      index.calibrationThresholds = thresholds;
    }
    if (md.stats) {
      index.numLookups = md.stats.numLookups;
      index.timings = LatencyBuffer.from(index.statBufferSize, await readArray(dir, md.stats.timings, 'float64'));
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
