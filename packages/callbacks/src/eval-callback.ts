/**
 * The Python library's `EvalCallback`: at the end of each epoch, embed the
 * targets and the queries with the model being trained, index the targets,
 * look up each query's nearest neighbours and evaluate, adding the values to
 * the epoch's logs (so they appear in `model.fit`'s history).
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { Callback, type LayersModel } from '@tensorflow/tfjs-layers';
import { makeClassificationMetric } from '@tfsim/classification-metrics';
import { getDistance } from '@tfsim/distances';
import { type Evaluator, MemoryEvaluator, unpackLookupDistances, unpackLookupLabels } from '@tfsim/evaluators';
import { type EvaluateClassificationOptions, Indexer, type IndexerOptions } from '@tfsim/indexer';
import { makeClassificationMatcher } from '@tfsim/matchers';
import { assertRetrievalMetrics } from '@tfsim/retrieval-metrics';
import {
  assertInteger,
  checkOptions,
  type Lookup,
  type Matrix,
  type OptionKeys,
  ShapeError,
  StateError,
  toLabels,
  toVector,
  ValueError,
} from '@tfsim/utils';

import { type BatchSourceOptions, collectBatches } from './batch-source';
import { ConsoleLogger, type EpochLogger, JsonlLogger, TensorBoardLogger } from './loggers';

/** A classification metric: a name (`binary_accuracy`, `f1score`, `precision`, ...) or a ClassificationMetric. */
export type ClassificationMetricSpec = NonNullable<EvaluateClassificationOptions['metrics']>[number];
/** A matcher: `match_nearest`, `match_majority_vote`, or a ClassificationMatch. */
export type MatcherSpec = NonNullable<EvaluateClassificationOptions['matcher']>;
/** A retrieval metric object, e.g. `new RecallAtK({ k: 5 })` of @tfsim/retrieval-metrics. */
export type RetrievalMetricSpec = Parameters<Evaluator['evaluateRetrieval']>[2][number];
/** A distance name (`cosine`, `l2`, ...), config or object. */
export type DistanceSpec = NonNullable<IndexerOptions['distance']>;

/** Model inputs: a tensor, or nested arrays TensorFlow.js can turn into one; the first axis counts examples. */
export type EvalInputs = tf.Tensor | tf.TensorLike;

export interface EvalCallbackOptions {
  /**
   * Distance of the index built each epoch. Default: the distance of the
   * model's own index when it has one (a SimilarityModel, as the Python
   * callback uses the model's index), else `cosine`.
   */
  distance?: DistanceSpec;
  /** Classification metrics. Default `['binary_accuracy']`, the Python library's default. */
  metrics?: ReadonlyArray<ClassificationMetricSpec>;
  /** Neighbours looked up per query. Default 1. */
  k?: number;
  /** How k neighbours become one predicted label. Default `match_nearest`. */
  matcher?: MatcherSpec;
  /**
   * Distance thresholds at which classification metrics are computed. The
   * logs hold each metric at the smallest one, as in Python. Default `[Infinity]`.
   */
  distanceThresholds?: ArrayLike<number>;
  /**
   * The classes seen during training. When given, queries are split into
   * those of known and of unknown classes, evaluated separately, and every
   * value is logged twice: `<metric>_known_classes` and `<metric>_unknown_classes`.
   */
  knownClasses?: ArrayLike<number> | tf.Tensor;
  /** Retrieval metrics (their k must not exceed `k`). Default none. */
  retrievalMetrics?: ReadonlyArray<RetrievalMetricSpec>;
  /** TensorBoard scalars go to `<tbLogdir>/index`, as in Python (needs @tensorflow/tfjs-node). */
  tbLogdir?: string;
  /** Append one JSON object per epoch to this file. */
  jsonlPath?: string;
  /** Print one line per epoch. Default true. */
  verbose?: boolean;
  /** Where console lines go. Default `console.log`. */
  print?: (line: string) => void;
  /** Where warnings go (e.g. TensorBoard unavailable). Default `console.warn`. */
  warn?: (message: string) => void;
  /** Further destinations of the per-epoch values. */
  loggers?: ReadonlyArray<EpochLogger>;
  /** Batch size of the model's predict. Default 32. */
  batchSize?: number;
  /** For a multi-output model: which output is the embedding. Default: the model's index's, if any. */
  embeddingOutput?: number;
}

/** What the callback reads of a SimilarityModel's own index (duck-typed: callbacks does not depend on @tfsim/models). */
interface ModelIndex {
  distance: DistanceSpec;
  embeddingOutput: number | null;
}

function modelIndex(model: unknown): ModelIndex | null {
  const index = (model as { indexerOrNull?: unknown }).indexerOrNull;
  if (index instanceof Indexer) return { distance: index.distance, embeddingOutput: index.embeddingOutput };
  return null;
}

/** The model interface the callback needs: what tfjs-layers hands it, or anything with `predict`. */
interface Embedder {
  predict(x: tf.Tensor | tf.Tensor[], args?: { batchSize?: number }): tf.Tensor | tf.Tensor[];
}

/** What the callback keeps of an input: the caller's tensor, or the array to turn into one at each epoch. */
interface InputSource {
  tensor: tf.Tensor | null;
  values: tf.TensorLike | null;
  rows: number;
}

/** The shape nested arrays would have if every entry were like the first. */
function firstEntriesShape(x: unknown): number[] {
  const shape: number[] = [];
  let v = x;
  while (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    shape.push(a.length);
    if (a.length === 0) break;
    v = a[0];
  }
  return shape;
}

function inputSource(x: EvalInputs, what: string): InputSource {
  if (x instanceof tf.Tensor) {
    if (x.isDisposed) throw new StateError(`${what} is a disposed tensor`);
    if (x.rank < 1 || x.shape[0] === 0)
      throw new ShapeError(`${what} must have at least one example (shape [n, ...], n >= 1), got shape [${x.shape.join(', ')}]`);
    return { tensor: x, values: null, rows: x.shape[0]! };
  }
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) {
    throw new ValueError(`${what} must be a tf.Tensor or a nested array of numbers (one entry per example)`);
  }
  // tf.tensor infers the shape from the first entries, so check ragged arrays here.
  const shape = firstEntriesShape(x);
  const size = tf.util.flatten(x as unknown as number[]).length;
  if (size !== tf.util.sizeFromShape(shape)) {
    throw new ShapeError(
      `${what} is ragged: its first entries give shape [${shape.join(', ')}] (${tf.util.sizeFromShape(shape)} numbers) but it holds ${size}`,
    );
  }
  if (shape.length < 1 || shape[0] === 0) throw new ShapeError(`${what} must have at least one example`);
  return { tensor: null, values: x, rows: shape[0]! };
}

/** Labels as plain numbers (one read-back for a tensor): the project's label rule, safe integers. */
function labelArray(labels: ArrayLike<number> | tf.Tensor, what: string): number[] {
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) throw new ShapeError(`${what} must be a 1-D tensor, got shape [${labels.shape.join(', ')}]`);
    return Array.from(toLabels(labels.dataSync(), { name: what, op: 'EvalCallback' }));
  }
  return Array.from(toLabels(labels, { name: what, op: 'EvalCallback' }));
}

function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => items[i]!);
}

/**
 * Evaluates the model's embeddings at the end of every epoch. Unlike the
 * Python callback, which rebuilds (and leaves empty) the model's own index,
 * this one builds a fresh in-memory index each epoch, so it works with any
 * model that has `predict` and never touches a model's index; from a
 * SimilarityModel's index it takes only the distance and embedding output.
 *
 * Pass it to `model.fit(x, y, { callbacks: [callback] })`; outside fit, call
 * `setModel(model)` and then `onEpochEnd(epoch, logs)`.
 */
export class EvalCallback extends Callback {
  static readonly optionKeys: OptionKeys<EvalCallbackOptions> = {
    distance: true,
    metrics: true,
    k: true,
    matcher: true,
    distanceThresholds: true,
    knownClasses: true,
    retrievalMetrics: true,
    tbLogdir: true,
    jsonlPath: true,
    verbose: true,
    print: true,
    warn: true,
    loggers: true,
    batchSize: true,
    embeddingOutput: true,
  };
  /** The distance given, or undefined to use the model's index's (else cosine). */
  readonly distance: DistanceSpec | undefined;
  readonly k: number;
  readonly matcher: MatcherSpec;
  readonly classificationMetrics: ReadonlyArray<ClassificationMetricSpec>;
  readonly retrievalMetrics: ReadonlyArray<RetrievalMetricSpec>;
  readonly distanceThresholds: Float32Array;
  /** True when `knownClasses` splits the queries. */
  readonly splitValidation: boolean;
  /** Where each epoch's values go: console, JSON lines, TensorBoard and any given. */
  readonly loggers: ReadonlyArray<EpochLogger>;

  private readonly evaluator = new MemoryEvaluator();
  private readonly queries: InputSource;
  private readonly targets: InputSource;
  private readonly queryLabels: number[];
  private readonly targetLabels: number[];
  private readonly classCounts: Map<number, number>;
  /** Query indices of known classes (all queries when not split), then of unknown classes. */
  private readonly knownIdx: number[];
  private readonly unknownIdx: number[];
  private readonly batchSize: number;
  private readonly embeddingOutput: number | undefined;
  /** Inputs read by `fromDatasets`, which the callback owns and `dispose()` frees. */
  private owned: tf.Tensor[] = [];

  /**
   * The callback over queries and targets that come as `{xs, ys}` batches of
   * a tfjs-data Dataset or a @tfsim sampler (the Python library's issue #293),
   * each bounded by a number of batches or of examples. The batches are read
   * once, here, so every epoch evaluates the same examples, with the same
   * results as the array form given the same examples and labels. Call
   * `dispose()` when training is over to free them.
   */
  static async fromDatasets(
    queries: BatchSourceOptions,
    targets: BatchSourceOptions,
    options: EvalCallbackOptions = {},
  ): Promise<EvalCallback> {
    const q = await collectBatches(queries, 'queries');
    let t: Awaited<ReturnType<typeof collectBatches>> | undefined;
    try {
      t = await collectBatches(targets, 'targets');
      const callback = new this(q.x, q.labels, t.x, t.labels, options);
      callback.owned = [q.x, t.x];
      return callback;
    } catch (err) {
      tf.dispose([q.x, ...(t ? [t.x] : [])]);
      throw err;
    }
  }

  /** Frees the inputs `fromDatasets` read (a no-op for the array form, whose tensors stay the caller's). */
  dispose(): void {
    tf.dispose(this.owned);
    this.owned = [];
  }

  constructor(
    queries: EvalInputs,
    queryLabels: ArrayLike<number> | tf.Tensor,
    targets: EvalInputs,
    targetLabels: ArrayLike<number> | tf.Tensor,
    options: EvalCallbackOptions = {},
  ) {
    super();
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.queries = inputSource(queries, 'queries');
    this.targets = inputSource(targets, 'targets');
    this.queryLabels = labelArray(queryLabels, 'queryLabels');
    this.targetLabels = labelArray(targetLabels, 'targetLabels');
    if (this.queryLabels.length !== this.queries.rows) {
      throw new ShapeError(`queryLabels has ${this.queryLabels.length} labels but queries has ${this.queries.rows} examples`);
    }
    if (this.targetLabels.length !== this.targets.rows) {
      throw new ShapeError(`targetLabels has ${this.targetLabels.length} labels but targets has ${this.targets.rows} examples`);
    }
    this.classCounts = new Map();
    for (const l of this.targetLabels) this.classCounts.set(l, (this.classCounts.get(l) ?? 0) + 1);

    this.distance = options.distance;
    // Names are checked through the registries now, not at the end of the first epoch.
    if (this.distance !== undefined) getDistance(this.distance);
    this.k = options.k ?? 1;
    assertInteger(this.k, 'k', 1);
    this.batchSize = options.batchSize ?? 32;
    assertInteger(this.batchSize, 'batchSize', 1);
    this.embeddingOutput = options.embeddingOutput;
    if (this.embeddingOutput !== undefined) assertInteger(this.embeddingOutput, 'embeddingOutput', 0);
    this.matcher = options.matcher ?? 'match_nearest';
    this.classificationMetrics = [...(options.metrics ?? ['binary_accuracy'])];
    this.retrievalMetrics = [...(options.retrievalMetrics ?? [])];
    if (this.classificationMetrics.length === 0 && this.retrievalMetrics.length === 0) {
      throw new ValueError('EvalCallback has nothing to evaluate: give at least one of metrics or retrievalMetrics');
    }

    const thresholds = options.distanceThresholds ?? [Number.POSITIVE_INFINITY];
    if (thresholds == null || typeof thresholds.length !== 'number' || thresholds.length === 0) {
      throw new ValueError('distanceThresholds must be a non-empty array of numbers');
    }
    this.distanceThresholds = toVector(thresholds, { name: 'distanceThresholds', op: 'EvalCallback', rule: 'number' });

    this.classificationMetrics.forEach((m) => makeClassificationMetric(m));
    makeClassificationMatcher(this.matcher);
    if (this.retrievalMetrics.length > 0) assertRetrievalMetrics(this.retrievalMetrics);
    this.retrievalMetrics.forEach((m) => {
      if (m.k > this.k) {
        throw new ValueError(`retrieval metric ${m.name} needs ${m.k} neighbours per query, but k is ${this.k}: set k >= ${m.k}`);
      }
    });

    const all = this.queryLabels.map((_, i) => i);
    if (options.knownClasses != null) {
      const known = new Set(labelArray(options.knownClasses, 'knownClasses'));
      if (known.size === 0) throw new ValueError('knownClasses must list at least one class');
      this.knownIdx = all.filter((i) => known.has(this.queryLabels[i]!));
      this.unknownIdx = all.filter((i) => !known.has(this.queryLabels[i]!));
      if (this.knownIdx.length === 0 || this.unknownIdx.length === 0) {
        throw new ValueError(
          `knownClasses splits the queries into ${this.knownIdx.length} of known and ${this.unknownIdx.length} of unknown classes; each part needs at least one query`,
        );
      }
      this.splitValidation = true;
    } else {
      this.knownIdx = all;
      this.unknownIdx = [];
      this.splitValidation = false;
    }

    const warn = options.warn ?? ((message: string) => console.warn(message));
    const loggers: EpochLogger[] = [];
    if (options.verbose ?? true) {
      loggers.push(
        new ConsoleLogger(options.print, () => {
          const epochs = this.params?.epochs;
          return typeof epochs === 'number' ? epochs : undefined;
        }),
      );
    }
    if (options.jsonlPath) loggers.push(new JsonlLogger(options.jsonlPath));
    if (options.tbLogdir) loggers.push(new TensorBoardLogger(path.join(options.tbLogdir, 'index'), warn));
    loggers.push(...(options.loggers ?? []));
    this.loggers = loggers;
  }

  /**
   * Embeds targets and queries with the current model, indexes the targets,
   * evaluates the queries, adds the values to `logs` and writes them to the
   * loggers. Returns the values it added.
   */
  override async onEpochEnd(epoch: number, logs?: Record<string, number | tf.Scalar>): Promise<void> {
    await this.evaluate(epoch, logs);
  }

  /** `onEpochEnd`, returning the values (for use outside `fit`). */
  async evaluate(epoch: number, logs: Record<string, unknown> = {}): Promise<Record<string, number>> {
    const model = this.model as (LayersModel & Embedder) | null;
    if (model == null || typeof model.predict !== 'function') {
      throw new StateError('EvalCallback has no model: pass it to model.fit({ callbacks: [...] }) or call setModel(model) first');
    }
    const own = modelIndex(model);
    const embeddingOutput = this.embeddingOutput ?? own?.embeddingOutput ?? undefined;
    const targetEmbeddings = await this.embed(model, this.targets, 'targets', embeddingOutput);
    const queryEmbeddings = await this.embed(model, this.queries, 'queries', embeddingOutput);
    if (queryEmbeddings.cols !== targetEmbeddings.cols) {
      throw new ShapeError(`the model embeds targets in ${targetEmbeddings.cols} and queries in ${queryEmbeddings.cols} dimensions`);
    }

    const index = new Indexer(targetEmbeddings.cols, { distance: this.distance ?? own?.distance ?? 'cosine' });
    let lookups: Lookup[][];
    try {
      await index.batchAdd(targetEmbeddings, this.targetLabels, null, { verbose: false });
      lookups = await index.batchLookup(queryEmbeddings, this.k, false);
    } finally {
      await index.close();
    }

    const values: Record<string, number> = {};
    const known = this.compute(pick(lookups, this.knownIdx), pick(this.queryLabels, this.knownIdx));
    if (this.splitValidation) {
      const unknown = this.compute(pick(lookups, this.unknownIdx), pick(this.queryLabels, this.unknownIdx));
      // Python's order: classification known, unknown; then retrieval known, unknown.
      for (let part = 0; part < known.length; part++) {
        for (const [name, value] of Object.entries(known[part]!)) values[`${name}_known_classes`] = value;
        for (const [name, value] of Object.entries(unknown[part]!)) values[`${name}_unknown_classes`] = value;
      }
    } else {
      for (const part of known) Object.assign(values, part);
    }

    Object.assign(logs, values);
    for (const logger of this.loggers) await logger.write(epoch, values);
    return values;
  }

  /** Classification values (at the smallest threshold) and retrieval values of one set of queries. */
  private compute(lookups: Lookup[][], labels: number[]): [Record<string, number>, Record<string, number>] {
    const classification: Record<string, number> = {};
    if (this.classificationMetrics.length > 0) {
      const results = this.evaluator.evaluateClassification(
        labels,
        unpackLookupLabels(lookups),
        unpackLookupDistances(lookups),
        this.distanceThresholds,
        this.classificationMetrics,
        this.matcher,
        { verbose: false },
      );
      for (const [name, curve] of Object.entries(results)) {
        if (name !== 'distance') classification[name] = curve[0]!;
      }
    }
    const retrieval: Record<string, number> =
      this.retrievalMetrics.length > 0
        ? this.evaluator.evaluateRetrieval(labels, lookups, this.retrievalMetrics, { classCounts: this.classCounts })
        : {};
    return [classification, retrieval];
  }

  /** The model's embeddings of an input, as a matrix; every tensor made here is disposed. */
  private async embed(model: Embedder, source: InputSource, what: string, embeddingOutput: number | undefined): Promise<Matrix> {
    if (source.tensor?.isDisposed) {
      throw new StateError(`the ${what} tensor was disposed; EvalCallback reads it at every epoch end, so keep it until training ends`);
    }
    const input = source.tensor ?? tf.tensor(source.values!);
    let output: tf.Tensor | tf.Tensor[] | undefined;
    try {
      output = model.predict(input, { batchSize: this.batchSize });
      let embeddings: tf.Tensor;
      if (Array.isArray(output)) {
        if (embeddingOutput === undefined) {
          throw new ShapeError(`the model has ${output.length} outputs: set embeddingOutput to the index of the embedding output`);
        }
        if (embeddingOutput >= output.length) {
          throw new ShapeError(`embeddingOutput is ${embeddingOutput} but the model has ${output.length} outputs`);
        }
        embeddings = output[embeddingOutput]!;
      } else {
        embeddings = output;
      }
      if (embeddings.rank !== 2) {
        throw new ShapeError(
          `embeddings must have shape [examples, dims], but the model output for ${what} has shape [${embeddings.shape.join(', ')}]`,
        );
      }
      const [rows, cols] = embeddings.shape as [number, number];
      const data =
        embeddings.dtype === 'float32' ? ((await embeddings.data()) as Float32Array) : Float32Array.from(await embeddings.data());
      return { data, rows, cols };
    } finally {
      if (source.tensor === null) input.dispose();
      if (output !== undefined) tf.dispose(output);
    }
  }
}
