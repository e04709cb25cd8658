/**
 * The index API every @tfsim model shares: `withIndex(Base)` returns an
 * abstract class that extends `Base` (a tfjs `LayersModel`, or `class {}` for
 * a model that is not one) with the Python library's index methods in
 * camelCase: createIndex, index, indexSingle, lookup, singleLookup,
 * calibrate, match, evaluateRetrieval, evaluateClassification, resetIndex,
 * indexSize, indexSummary, saveIndex, loadIndex, toDataFrame, and `indexer`
 * (the @tfsim/indexer Indexer doing the work). A model class extends it and
 * implements two hooks: `predictForIndex(x)`, the embeddings of a batch of
 * inputs (a tensor, or one tensor per output for a multi-output model; the
 * caller disposes them), and `resolveEmbeddingOutput(embeddingOutput)`, which
 * checks the requested output head and returns which output the index reads
 * and its width. The model's `compile` (or the user) calls `createIndex`;
 * every other method checks that an index exists and delegates to the
 * Indexer, converting tensors to typed-array matrices on the way:
 *
 * ```ts
 * class MyModel extends withIndex(class {}) {
 *   predictForIndex(x: ModelInput) { return tidy(() => l2Normalize(this.net.apply(x))); }
 *   resolveEmbeddingOutput() { return { embeddingOutput: null, embeddingSize: 64 }; }
 * }
 * ```
 */
import * as path from 'node:path';

import { expandDims, type Tensor } from '@tensorflow/tfjs-core';
import { type CalibrateOptions, formatTable, type IndexDataFrame, Indexer, type IndexerOptions, type Verbose } from '@tfsim/indexer';
import {
  EmptyIndexError,
  isTensor,
  type Label,
  type Lookup,
  type Matrix,
  progressEnabled,
  ShapeError,
  StateError,
  tensorToMatrix,
  UnknownNameError,
  ValueError,
} from '@tfsim/utils';

/** A batch of model inputs: one tensor, or one per input of a multi-input model. */
export type ModelInput = Tensor | Tensor[];

/** Class ids, one per example: an array or a rank-1 (or [n, 1]) tensor. */
export type LabelsInput = ArrayLike<number> | Tensor;

/** What `createIndex` takes (the Indexer's options, as in Python). */
export type CreateIndexOptions = IndexerOptions;

export interface IndexOptions {
  /** Kept for the Python signature: the index is searchable after every add. */
  build?: boolean;
  verbose?: Verbose;
}

export interface MatchOptions {
  /** `optimal` (default), the name of a calibrated cutpoint, or `all` for every cutpoint. */
  cutpoint?: string;
  /** Label for queries beyond the cutpoint's distance. Default -1. */
  noMatchLabel?: number;
  /** Neighbours the matcher reads. Default 1. */
  k?: number;
  matcher?: CalibrateOptions['matcher'];
  verbose?: Verbose;
}

export interface ModelCalibrateOptions extends CalibrateOptions {
  /** `{name: value}` of the calibration metric to find a cutpoint for. */
  thresholdsTargets?: Record<string, number>;
}

export interface ModelEvaluateClassificationOptions {
  /** Neighbours the matcher reads. Default 1. */
  k?: number;
  /** Metrics reported next to the calibration metric. Default precision and recall. */
  extraMetrics?: CalibrateOptions['extraMetrics'];
  matcher?: CalibrateOptions['matcher'];
  verbose?: Verbose;
}

/** The classification metrics at one calibrated cutpoint. */
export interface CutpointEvaluation {
  name: string;
  distance: number;
  [metric: string]: number | string;
}

export type CalibrationResults = Awaited<ReturnType<Indexer['calibrate']>>;
export type RetrievalMetricList = Parameters<Indexer['evaluateRetrieval']>[2];

/** Which output the index reads and how wide it is. */
export interface EmbeddingHead {
  embeddingOutput: number | null;
  embeddingSize: number;
}

/** What a model must provide to get the index API. */
export interface IndexHost {
  predictForIndex(x: ModelInput): Tensor | Tensor[];
  resolveEmbeddingOutput(embeddingOutput: number | null | undefined): EmbeddingHead;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AbstractConstructor<T = object> = abstract new (...args: any[]) => T;

const NO_INDEX = 'the model has no index: call compile() or createIndex() first';

function showOutput(verbose: Verbose): boolean {
  return verbose === undefined ? progressEnabled(process.stdout) : Boolean(verbose);
}

/** Number of examples in a batch of inputs (the first dimension, equal across inputs). */
export function countExamples(x: ModelInput, what = 'x'): number {
  const inputs = Array.isArray(x) ? x : [x];
  if (inputs.length === 0 || !inputs.every((t) => isTensor(t))) {
    throw new ValueError(`${what} must be a tensor (or one tensor per model input)`);
  }
  const counts = inputs.map((t) => (t.rank === 0 ? 1 : t.shape[0]!));
  if (inputs.some((t) => t.rank === 0)) throw new ShapeError(`${what} must have a batch dimension, got a scalar`);
  if (counts.some((c) => c !== counts[0])) {
    throw new ShapeError(`${what}: the model inputs have different numbers of examples (${counts.join(', ')})`);
  }
  return counts[0]!;
}

/** Labels as plain integers, checked against the number of examples. */
export function toLabelArray(y: LabelsInput, n: number, what = 'y'): number[] {
  let values: ArrayLike<number>;
  if (isTensor(y)) {
    if (y.rank > 2 || (y.rank === 2 && y.shape[1] !== 1)) {
      throw new ShapeError(`${what} must be one class id per example (shape [n] or [n, 1]), got shape [${y.shape.join(', ')}]`);
    }
    values = y.dataSync();
  } else if (y != null && typeof (y as ArrayLike<number>).length === 'number' && typeof y !== 'string') {
    values = y;
  } else {
    throw new ValueError(`${what} must be an array or tensor of class ids`);
  }
  if (values.length !== n) throw new ShapeError(`x has ${n} examples but ${what} has ${values.length} labels`);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValueError(`${what}[${i}] must be an integer class id, got ${String(v)}`);
    out[i] = v;
  }
  return out;
}

function toDataArray(data: ReadonlyArray<unknown> | Tensor, n: number): unknown[] {
  if (isTensor(data)) {
    if (data.rank === 0 || data.shape[0] !== n) {
      throw new ShapeError(`x has ${n} examples but data has shape [${data.shape.join(', ')}]`);
    }
    return data.arraySync() as unknown[];
  }
  if (!Array.isArray(data)) throw new ValueError('data must be an array (one entry per example) or a tensor');
  if (data.length !== n) throw new ShapeError(`x has ${n} examples but data has ${data.length} entries`);
  return data as unknown[];
}

function expandBatch(x: ModelInput): ModelInput {
  return Array.isArray(x) ? x.map((t) => expandDims(t, 0)) : expandDims(x, 0);
}

function disposeInput(x: ModelInput): void {
  for (const t of Array.isArray(x) ? x : [x]) t.dispose();
}

/**
 * Adds the index API to `Base`. See the top of this file for what the
 * subclass implements.
 */
export function withIndex<TBase extends AbstractConstructor>(Base: TBase) {
  abstract class IndexedModel extends Base implements IndexHost {
    /** The index, once `compile` or `createIndex` made one (null before). */
    indexerOrNull: Indexer | null = null;

    abstract predictForIndex(x: ModelInput): Tensor | Tensor[];
    abstract resolveEmbeddingOutput(embeddingOutput: number | null | undefined): EmbeddingHead;

    /** The Indexer behind the model; an error if there is none yet. */
    get indexer(): Indexer {
      if (!this.indexerOrNull) throw new StateError(NO_INDEX);
      return this.indexerOrNull;
    }

    set indexer(indexer: Indexer) {
      this.indexerOrNull = indexer;
    }

    /**
     * Makes a new, empty index (replacing any existing one): distance
     * (default cosine), search, kvStore, evaluator, embeddingOutput,
     * statBufferSize, as the Indexer takes them.
     */
    createIndex(options: CreateIndexOptions = {}): Indexer {
      const head = this.resolveEmbeddingOutput(options.embeddingOutput);
      this.indexerOrNull = new Indexer(head.embeddingSize, {
        distance: options.distance ?? 'cosine',
        search: options.search ?? 'linear',
        kvStore: options.kvStore ?? 'memory',
        evaluator: options.evaluator ?? 'memory',
        embeddingOutput: head.embeddingOutput,
        statBufferSize: options.statBufferSize ?? 1000,
      });
      return this.indexerOrNull;
    }

    /** The embeddings of `x` as matrices (one per output for a multi-output model). */
    predictMatrices(x: ModelInput): Matrix | Matrix[] {
      const out = this.predictForIndex(x);
      try {
        return Array.isArray(out) ? out.map((t, i) => tensorToMatrix(t, `output ${i}`)) : tensorToMatrix(out, 'embeddings');
      } finally {
        for (const t of Array.isArray(out) ? out : [out]) t.dispose();
      }
    }

    /** Embeds and indexes a batch of examples with their labels and data; returns their ids. */
    async index(
      x: ModelInput,
      y?: LabelsInput | null,
      data?: ReadonlyArray<unknown> | Tensor | null,
      options: IndexOptions = {},
    ): Promise<number[]> {
      const indexer = this.indexer;
      const n = countExamples(x);
      const labels = y == null ? null : toLabelArray(y, n);
      const rows = data == null ? null : toDataArray(data, n);
      if (showOutput(options.verbose)) console.log(`[Indexing ${n} points]\n|-Computing embeddings`);
      return indexer.batchAdd(this.predictMatrices(x), labels, rows, { verbose: options.verbose });
    }

    /** Embeds and indexes one example (no batch dimension); returns its id. */
    async indexSingle(x: ModelInput, y?: Label | null, data?: unknown, options: IndexOptions = {}): Promise<number> {
      const indexer = this.indexer;
      if (showOutput(options.verbose)) console.log('[Indexing 1 point]\n|-Computing embeddings');
      const batch = expandBatch(x);
      let prediction: Matrix | Matrix[];
      try {
        prediction = this.predictMatrices(batch);
      } finally {
        disposeInput(batch);
      }
      return indexer.add(prediction, y ?? null, data, { verbose: options.verbose });
    }

    /** The index, checked to hold at least one item. */
    async nonEmptyIndexer(operation: string): Promise<Indexer> {
      const indexer = this.indexer;
      if ((await indexer.size()) === 0) throw new EmptyIndexError(`the index is empty: call index() before ${operation}()`);
      return indexer;
    }

    /** The k nearest indexed neighbours of each example, nearest first. */
    async lookup(x: ModelInput, k = 5, verbose?: Verbose): Promise<Lookup[][]> {
      const indexer = await this.nonEmptyIndexer('lookup');
      countExamples(x);
      return indexer.batchLookup(this.predictMatrices(x), k, verbose);
    }

    /** The k nearest indexed neighbours of one example (no batch dimension). */
    async singleLookup(x: ModelInput, k = 5): Promise<Lookup[]> {
      const indexer = await this.nonEmptyIndexer('singleLookup');
      const batch = expandBatch(x);
      try {
        return await indexer.singleLookup(this.predictMatrices(batch), k);
      } finally {
        disposeInput(batch);
      }
    }

    /**
     * Calibrates the match threshold on labelled examples (Python defaults:
     * k 1, calibrationMetric f1, matcher match_nearest, extraMetrics
     * precision and recall, rounding 2); the index keeps the cutpoints.
     */
    async calibrate(x: ModelInput, y: LabelsInput, options: ModelCalibrateOptions = {}): Promise<CalibrationResults> {
      const indexer = await this.nonEmptyIndexer('calibrate');
      const labels = toLabelArray(y, countExamples(x));
      const { thresholdsTargets, ...rest } = options;
      return indexer.calibrate(this.predictMatrices(x), labels, thresholdsTargets ?? {}, {
        calibrationMetric: rest.calibrationMetric ?? 'f1',
        k: rest.k ?? 1,
        matcher: rest.matcher ?? 'match_nearest',
        extraMetrics: rest.extraMetrics ?? ['precision', 'recall'],
        rounding: rest.rounding ?? 2,
        verbose: rest.verbose,
      });
    }

    /**
     * The matched label of each example at a calibrated cutpoint
     * (`noMatchLabel` beyond its distance); `cutpoint: 'all'` returns every
     * cutpoint's labels by name.
     */
    match(x: ModelInput, options: MatchOptions & { cutpoint: 'all' }): Promise<Record<string, number[]>>;
    match(x: ModelInput, options?: MatchOptions): Promise<number[]>;
    async match(x: ModelInput, options: MatchOptions = {}): Promise<number[] | Record<string, number[]>> {
      const indexer = await this.nonEmptyIndexer('match');
      if (!indexer.isCalibrated) throw new StateError('the model is not calibrated: call calibrate() before match()');
      const cutpoint = options.cutpoint ?? 'optimal';
      if (cutpoint !== 'all' && !(cutpoint in indexer.cutpoints)) {
        throw new UnknownNameError('cutpoint', cutpoint, [...Object.keys(indexer.cutpoints), 'all']);
      }
      countExamples(x);
      const matches = await indexer.match(this.predictMatrices(x), {
        noMatchLabel: options.noMatchLabel ?? -1,
        k: options.k ?? 1,
        matcher: options.matcher ?? 'match_nearest',
        verbose: options.verbose ?? false,
      });
      return cutpoint === 'all' ? matches : matches[cutpoint]!;
    }

    /** Retrieval metrics (recall@k, MAP@R, ...) of the index against labelled examples. */
    async evaluateRetrieval(
      x: ModelInput,
      y: LabelsInput,
      retrievalMetrics: RetrievalMetricList,
      verbose?: Verbose,
    ): Promise<Record<string, number>> {
      const indexer = await this.nonEmptyIndexer('evaluateRetrieval');
      const labels = toLabelArray(y, countExamples(x));
      const results = await indexer.evaluateRetrieval(this.predictMatrices(x), labels, retrievalMetrics, verbose);
      if (showOutput(verbose)) {
        console.log(`\n [Summary]\n\n${formatTable(Object.entries(results), ['metric', 'Value'])}`);
      }
      return results;
    }

    /**
     * Classification metrics at each calibrated cutpoint, by cutpoint name:
     * the calibration metric and `extraMetrics` at the cutpoint's distance.
     */
    async evaluateClassification(
      x: ModelInput,
      y: LabelsInput,
      options: ModelEvaluateClassificationOptions = {},
    ): Promise<Record<string, CutpointEvaluation>> {
      const indexer = await this.nonEmptyIndexer('evaluateClassification');
      if (!indexer.isCalibrated) throw new StateError('the model is not calibrated: call calibrate() before evaluateClassification()');
      const labels = toLabelArray(y, countExamples(x));
      const predictions = this.predictMatrices(x);
      const calibrationMetric = indexer.getCalibrationMetric();
      const extra = options.extraMetrics ?? ['precision', 'recall'];
      const results: Record<string, CutpointEvaluation> = {};
      for (const [name, cp] of Object.entries(indexer.cutpoints)) {
        const distance = Number(cp.distance);
        const values = await indexer.evaluateClassification(predictions, labels, [distance], {
          metrics: [...extra, calibrationMetric.name],
          matcher: options.matcher ?? 'match_nearest',
          k: options.k ?? 1,
          verbose: false,
        });
        const row: CutpointEvaluation = { name, distance };
        for (const [metric, v] of Object.entries(values)) if (metric !== 'distance') row[metric] = v[0]!;
        results[name] = row;
      }
      if (showOutput(options.verbose)) {
        const headers = ['name', calibrationMetric.name];
        for (const key of Object.keys(results.optimal ?? Object.values(results)[0] ?? {})) if (!headers.includes(key)) headers.push(key);
        const rows = Object.values(results).map((r) => headers.map((h) => r[h]));
        console.log(`\n [Summary]\n\n${formatTable(rows, headers)}`);
      }
      return results;
    }

    /** Empties the index and forgets its calibration. */
    resetIndex(): Promise<void> {
      return this.indexer.reset();
    }

    /** Number of indexed examples. */
    indexSize(): Promise<number> {
      return this.indexer.size();
    }

    /** Prints the index's settings and query performance. */
    indexSummary(): Promise<void> {
      return this.indexer.printStats();
    }

    /** The first `numItems` indexed items (0: all), column by column. */
    toDataFrame(numItems = 0): Promise<IndexDataFrame> {
      return this.indexer.toDataFrame(numItems);
    }

    /** Saves the index to `<dir>/index` (atomically). */
    saveIndex(dir: string, options: { overwrite?: boolean } = {}): Promise<void> {
      return this.indexer.save(path.join(dir, 'index'), { overwrite: options.overwrite ?? true });
    }

    /** Replaces the index with the one saved in `<dir>/index`. */
    async loadIndex(dir: string, options: { verbose?: Verbose } = {}): Promise<Indexer> {
      const indexer = await Indexer.load(path.join(dir, 'index'), { verbose: options.verbose });
      this.indexerOrNull = indexer;
      return indexer;
    }
  }
  return IndexedModel;
}
