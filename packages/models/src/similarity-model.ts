/**
 * SimilarityModel: a tfjs-layers functional model that owns an index. Train
 * it with a metric loss, then index, look up, calibrate, match, evaluate,
 * save and reload it with its index, as the Python library's
 * `SimilarityModel`.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { type io, serialization, type Tensor } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Distance, RowDistance } from '@tfsim/distances';
import { Indexer, type LoadOptions as IndexerLoadOptions, type Verbose } from '@tfsim/indexer';
import { activationStdLayers, activationStdLogger } from '@tfsim/layers';
import { checkClassIndices, getLoss, type Loss, type SerializedLoss, serializeLoss } from '@tfsim/losses';
import {
  assertSavedFolder,
  checkOverwrite,
  createProgress,
  FormatError,
  formatFitLogs,
  type Manifest,
  progressEnabled,
  readManifest,
  ShapeError,
  StateError,
  TfsimError,
  toLabels,
  UnknownNameError,
  ValueError,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils';

import {
  byOutputName,
  isByOutputName,
  type PerOutput,
  renamed,
  resolveLossWeights,
  UnweightOutputLosses,
  weightedLoss,
} from './compile-weights';
import {
  activeNativeBackend,
  actsPerBatch,
  dropoutSeed,
  graphModeBlocker,
  type GraphReport,
  GraphTrainer,
  hasRandomLayers,
  reportFallback,
  reportNote,
  statelessDropout,
  stdLayerCounters,
  withFusedGradients,
} from './graph';
import { type CreateIndexOptions, type EmbeddingHead, type ModelInput, withIndex } from './index-api';
import { MODEL_JSON, readLayersModel, writeLayersModel } from './model-files';

/** A tfjs-layers loss function: `(yTrue, yPred) => loss`. */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;
/** A tfjs-layers metric function, named by its `name`. */
export type MetricFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A loss: a @tfsim/losses instance, its name (`'multisim_loss'`), a tfjs-layers loss name, or a function. */
export type LossSpec = Loss | string | LossFunction;
/** A metric: a @tfsim/training-metrics instance (anything with `metricFunction`), a tfjs-layers name, or a function. */
export type MetricSpec = { metricFunction: MetricFunction; name?: string } | string | MetricFunction;

export interface SimilarityCompileArgs extends Omit<CreateIndexOptions, 'distance'> {
  /** An optimizer or its tfjs name. Default `'rmsprop'`, as in Python. */
  optimizer?: string | tf.Optimizer;
  /** One loss, or one per output: a list in output order or an object by output name (every output named). */
  loss?: LossSpec | LossSpec[] | Record<string, LossSpec> | tfl.ModelCompileArgs['loss'];
  /** Metrics of every output, or per output (an object by output name). */
  metrics?: MetricSpec | MetricSpec[] | Record<string, MetricSpec | MetricSpec[]> | tfl.ModelCompileArgs['metrics'];
  /**
   * Keras' `loss_weights`: the factor of each output's loss in the total
   * loss that training minimises (a list in output order or an object by
   * output name; default 1). The logs keep each output's unweighted loss
   * (`<output>_loss`) next to the weighted total (`loss`), as in Keras.
   */
  lossWeights?: PerOutput<number>;
  /**
   * Keras' `weighted_metrics`: metrics evaluated with the sample weights.
   * tfjs-layers has no sample weights (`sampleWeight` is unsupported), and a
   * @tfsim training metric is one value per batch, which (as in Python)
   * weights do not change, so these log the same values as `metrics`, named
   * `weighted_<name>` when `metrics` has the same name (Keras' rule). Fit
   * refuses `classWeight` with weighted metrics rather than leave them unweighted.
   */
  weightedMetrics?: MetricSpec | MetricSpec[] | Record<string, MetricSpec | MetricSpec[]>;
  /**
   * The index's distance. Default `'auto'`: the (first) loss's distance, or
   * cosine without a loss.
   */
  distance?: 'auto' | Distance | string;
}

/** A sampler of @tfsim/samplers (or anything with `toDataset()` of `{xs, ys}` batches). */
export interface SamplerLike {
  toDataset(): DatasetLike;
  stepsPerEpoch?: number;
}

/** A tfjs-data dataset of `{xs, ys}` batches. */
export interface DatasetLike {
  iterator(): Promise<{ next(): Promise<IteratorResult<unknown>> }>;
  map(fn: (x: unknown) => unknown): DatasetLike;
}

export interface SimilarityFitArgs extends Omit<tfl.ModelFitArgs, 'verbose' | 'callbacks' | 'validationData'> {
  /** For datasets: batches per epoch (default: until the dataset's iterator ends; a sampler's stepsPerEpoch). */
  batchesPerEpoch?: number;
  /** 0: quiet; 1: a progress bar. Default: a progress bar on an interactive terminal only. */
  verbose?: Verbose;
  callbacks?: tfl.ModelFitArgs['callbacks'];
  /** Passed to tfjs-layers' fit / fitDataset (not supported with a loss that has trainable weights). */
  validationData?: unknown;
  /**
   * Graph mode on the native TensorFlow backend (tfjs-node, tfjs-node-gpu):
   * each training step after the first few runs as one TensorFlow call (see
   * docs/backends.md). Default true; `false` trains eagerly. Other backends
   * always train eagerly. When a step cannot be a graph, training goes on
   * eagerly and the reason is printed once.
   */
  graph?: boolean;
  /** Seed of the Dropout masks and layer noise on the native TensorFlow backend (drawn by TensorFlow's stateless random ops, per step and layer), an integer below 32768. Default: a fresh one per fit. */
  seed?: number;
}

/** What `compile` chose, kept for saving. */
export interface CompileChoices {
  distance: string;
  embeddingOutput: number | null;
  loss: SerializedLoss | string | null;
}

function isLoss(x: unknown): x is Loss {
  return typeof x === 'object' && x !== null && typeof (x as Loss).lossFunction === 'function' && typeof (x as Loss).call === 'function';
}

function isSampler(x: unknown): x is SamplerLike {
  return typeof x === 'object' && x !== null && typeof (x as SamplerLike).toDataset === 'function';
}

function isDataset(x: unknown): x is DatasetLike {
  return (
    typeof x === 'object' && x !== null && typeof (x as DatasetLike).iterator === 'function' && typeof (x as DatasetLike).map === 'function'
  );
}

function isTensorLike(x: unknown): x is Tensor {
  return x instanceof tf.Tensor;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return `'${x}'`;
  if (typeof x === 'function') return `function ${x.name || '(anonymous)'}`;
  if (typeof x === 'object' && x !== null) return x.constructor?.name ?? 'object';
  return String(x);
}

function showProgress(verbose: Verbose): boolean {
  return verbose === undefined ? progressEnabled(process.stderr) : Boolean(verbose);
}

/**
 * A functional tfjs-layers model (`new SimilarityModel({inputs, outputs,
 * name})`) with an index. `compile` takes `@tfsim` losses and training metrics
 * and creates the index with the loss's distance; `fit` takes tensors, a
 * tfjs-data dataset or a sampler; `save` writes the model and its index, and
 * `loadModel` brings both back.
 */
export class SimilarityModel extends withIndex(tfl.LayersModel) {
  static override className = 'SimilarityModel';

  /** The `@tfsim` losses given to compile, one per output (null where the loss is not one). */
  similarityLosses: Array<Loss | null> = [];
  /** What compile chose (distance, embedding output, loss), saved with the model. */
  compileChoices: CompileChoices | null = null;

  constructor(args: ConstructorParameters<typeof tfl.LayersModel>[0]) {
    super(args);
  }

  /** The distance of the index (null before compile or createIndex); its row-side view, as the index holds it. */
  get distance(): RowDistance | null {
    return this.indexerOrNull ? this.indexerOrNull.distance : null;
  }

  /** The output the index reads (null for a single-output model). */
  get embeddingOutput(): number | null {
    return this.indexerOrNull ? this.indexerOrNull.embeddingOutput : null;
  }

  resolveEmbeddingOutput(embeddingOutput: number | null | undefined): EmbeddingHead {
    const n = this.outputs.length;
    let which = embeddingOutput ?? null;
    if (which !== null) {
      if (!Number.isInteger(which) || which < 0) throw new ValueError(`embeddingOutput must be an output number >= 0, got ${which}`);
      if (which >= n) throw new ValueError(`embeddingOutput ${which} exceeds the model's outputs (it has ${n})`);
    } else if (n > 1) {
      if (progressEnabled(process.stdout))
        console.log('Embedding output set to be model output 0. Use the embeddingOutput arg to override this.');
      which = 0;
    }
    const shape = this.outputs[which ?? 0]!.shape;
    if (shape.length !== 2 || typeof shape[1] !== 'number') {
      throw new ShapeError(
        `the embedding output must have shape [batch, dim], got [${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`,
      );
    }
    return { embeddingOutput: n > 1 ? which : null, embeddingSize: shape[1] };
  }

  predictForIndex(x: ModelInput): Tensor | Tensor[] {
    return this.predict(x, { batchSize: 32 }) as Tensor | Tensor[];
  }

  /**
   * Configures training and creates the index (as Python's `compile`):
   * distance `'auto'` takes the loss's; kvStore, search, evaluator,
   * embeddingOutput and statBufferSize go to the index.
   */
  override compile(args: SimilarityCompileArgs = {}): void {
    const specs = this.lossSpecs(args.loss);
    const lossWeights = resolveLossWeights(args.lossWeights, this.outputNames);
    const resolved = specs.map((spec) => resolveLoss(spec));
    let distance: Distance | string;
    const requested = args.distance ?? 'auto';
    if (requested === 'auto') {
      if (resolved.length === 0) distance = 'cosine';
      else {
        const first = resolved[0]!;
        if (!first.loss) {
          throw new ValueError(
            `distance 'auto' only works when the (first) loss is a metric loss with a distance, but the loss is ${describe(specs[0])}; ` +
              `pass distance explicitly, e.g. compile({ loss, distance: 'cosine' })`,
          );
        }
        distance = first.loss.distance;
      }
      if (progressEnabled(process.stdout)) {
        console.log(
          `Distance metric automatically set to ${typeof distance === 'string' ? distance : distance.name}; use the distance arg to override.`,
        );
      }
    } else {
      distance = requested;
    }
    const indexer = this.createIndex({
      distance,
      search: args.search,
      kvStore: args.kvStore,
      evaluator: args.evaluator,
      embeddingOutput: args.embeddingOutput,
      statBufferSize: args.statBufferSize,
    });
    const metrics = this.compileMetrics(args.metrics, args.weightedMetrics);
    const weighted = resolved.map((r, i) => {
      const weight = resolved.length === 1 ? lossWeights : [lossWeights[i]!];
      if (weight.every((w) => w === 1)) return r.fn;
      if (typeof r.fn === 'string') {
        throw new ValueError(
          `lossWeights needs the loss '${r.fn}' as a function (tfjs-layers resolves its loss names itself): pass e.g. tf.metrics.${r.fn}`,
        );
      }
      return weight.length === 1 ? weightedLoss(r.fn, weight[0]!) : weight.map((w) => weightedLoss(r.fn as LossFunction, w));
    });
    const lossArg = resolved.length === 0 ? undefined : weighted.length === 1 ? weighted[0]! : (weighted as Array<LossFunction | string>);
    super.compile({
      optimizer: args.optimizer ?? 'rmsprop',
      // tfjs-layers requires a loss; without one, compile only sets up the index
      loss: (lossArg ?? 'meanSquaredError') as tfl.ModelCompileArgs['loss'],
      metrics: metrics as tfl.ModelCompileArgs['metrics'],
    });
    this.lossWeights = lossWeights;
    this.hasWeightedMetrics = args.weightedMetrics !== undefined && [args.weightedMetrics].flat().length > 0;
    this.similarityLosses = resolved.map((r) => r.loss);
    const first = resolved[0];
    this.compileChoices = {
      distance: indexer.distance.name,
      embeddingOutput: indexer.embeddingOutput,
      loss: first === undefined ? null : first.loss ? serializeLoss(first.loss) : typeof specs[0] === 'string' ? specs[0] : null,
    };
    this.hasLoss = resolved.length > 0;
  }

  /** Whether compile was given a loss (training needs one). */
  hasLoss = false;
  /** Keras' `loss_weights` as compile resolved them: one factor per output. */
  lossWeights: number[] = [];
  private hasWeightedMetrics = false;

  /** The loss specs of compile: one, a list in output order, or an object naming every output. */
  private lossSpecs(loss: SimilarityCompileArgs['loss']): LossSpec[] {
    if (loss === undefined) return [];
    if (Array.isArray(loss)) return loss as LossSpec[];
    if (!isByOutputName(loss)) return [loss as LossSpec];
    const list = byOutputName(loss as Record<string, LossSpec>, this.outputNames, 'loss');
    const missing = this.outputNames.filter((_, i) => list[i] === undefined);
    if (missing.length > 0) {
      throw new ValueError(
        `loss by output name must name every output; missing ${missing.map((n) => `'${n}'`).join(', ')} (to leave an output out of training, give it lossWeights 0)`,
      );
    }
    return list as LossSpec[];
  }

  /**
   * tfjs-layers' metrics argument from compile's metrics and weighted
   * metrics: resolved functions, per output when given by output name.
   */
  private compileMetrics(metrics: SimilarityCompileArgs['metrics'], weightedMetrics: SimilarityCompileArgs['weightedMetrics']): unknown {
    const perOutput = isByOutputName(metrics) || isByOutputName(weightedMetrics);
    const lists = (value: unknown, what: string): Array<Array<MetricFunction | string>> => {
      if (value === undefined) return this.outputNames.map(() => []);
      const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((m) => resolveMetric(m as MetricSpec));
      if (isByOutputName(value)) return byOutputName(value, this.outputNames, what).map(list);
      const all = list(value);
      return this.outputNames.map(() => all);
    };
    const plain = lists(metrics, 'metrics');
    const weighted = lists(weightedMetrics, 'weightedMetrics');
    const merged = plain.map((ms, i) => {
      const names = new Set(ms.map(metricName));
      return [
        ...ms,
        ...weighted[i]!.map((m) => {
          if (!names.has(metricName(m))) return m;
          if (typeof m === 'string')
            throw new ValueError(`weighted metric '${m}' is also in metrics: pass it as a function so it can be logged as weighted_${m}`);
          return renamed(m, `weighted_${metricName(m)}`);
        }),
      ];
    });
    if (perOutput) return Object.fromEntries(this.outputNames.map((name, i) => [name, merged[i]!]));
    return merged[0] ?? [];
  }

  /**
   * Trains the model, as Python's `fit`: `fit(x, y, args)` with tensors,
   * or `fit(data, args)` with a sampler or a tfjs-data dataset of `{xs, ys}`.
   * Labels are class ids, one per example. A loss with trainable variables
   * (ArcFace centres, Proxy-Anchor proxies) is trained with the model.
   */
  override fit(x: unknown, y?: unknown, args?: SimilarityFitArgs): Promise<tfl.History>;
  override fit(x: unknown, yOrArgs?: unknown, maybeArgs?: SimilarityFitArgs): Promise<tfl.History> {
    // on the native backend every path (graph, our eager loop, tfjs-layers' fit) takes TensorFlow's fused activation gradients
    return withFusedGradients(() => this.fitWithGradients(x, yOrArgs, maybeArgs));
  }

  private async fitWithGradients(x: unknown, yOrArgs?: unknown, maybeArgs?: SimilarityFitArgs): Promise<tfl.History> {
    if (!this.optimizer || !this.hasLoss) throw new StateError('compile() the model with a loss before fit()');
    const fitArgs = (isSampler(x) || isDataset(x) ? yOrArgs : maybeArgs) as SimilarityFitArgs | undefined;
    if (this.hasWeightedMetrics && fitArgs?.classWeight !== undefined) {
      throw new ValueError(
        'classWeight with weightedMetrics is not supported: tfjs-layers weights only the loss; evaluate weighted metrics by hand',
      );
    }
    if (this.tilesLabels() && fitArgs?.classWeight !== undefined) {
      // tfjs-layers reads the repeated-label targets as one-hot rows (every row class 0) and weights the
      // already-reduced loss, so the result would be the loss times class 0's weight: refuse instead
      throw new ValueError(
        'classWeight with a @tfsim loss is not supported: tfjs-layers would weight every example by class 0; ' +
          'balance classes with a sampler (e.g. MultiShotMemorySampler with classesPerBatch) instead',
      );
    }
    this.graphReport = null;
    if (isSampler(x) || isDataset(x)) {
      const args = (yOrArgs ?? {}) as SimilarityFitArgs;
      // A sampler's dataset is one epoch per iteration: its stepsPerEpoch only sizes the progress bar.
      const steps = args.batchesPerEpoch ?? (isSampler(x) && Number.isInteger(x.stepsPerEpoch) ? x.stepsPerEpoch! : 0);
      const dataset = isSampler(x) ? x.toDataset() : x;
      return this.fitBatches(dataset, args, steps);
    }
    const args = maybeArgs ?? {};
    if (yOrArgs === undefined || yOrArgs === null) throw new ValueError('fit(x, y) needs labels y (or pass a sampler or dataset as x)');
    const n = countBatch(x);
    if (!this.tilesLabels()) {
      // not a @tfsim loss: tfjs-layers gets the targets as they are
      const { verbose, callbacks, ...rest } = args;
      return super.fit(x as Tensor, yOrArgs as Tensor, {
        ...(rest as tfl.ModelFitArgs),
        verbose: 0,
        callbacks: this.trainingCallbacks(callbacks, verbose, Math.ceil(n / (args.batchSize ?? 32)), args.epochs ?? 1),
      });
    }
    // labels follow the project's rule (safe integers); a float tensor is read back once to check it
    if (!isTensorLike(yOrArgs) || yOrArgs.dtype !== 'int32') {
      toLabels(isTensorLike(yOrArgs) ? yOrArgs.dataSync() : (yOrArgs as ArrayLike<unknown>), { name: 'y', op: 'SimilarityModel.fit' });
    }
    const labels = isTensorLike(yOrArgs) ? yOrArgs : tf.tensor1d(Array.from(yOrArgs as ArrayLike<number>), 'int32');
    try {
      if (labels.shape[0] !== n) throw new ShapeError(`x has ${n} examples but y has ${labels.shape[0]} labels`);
      if (this.useCustomFit(args)) {
        return await this.customFit(tensorBatches(x as ModelInput, labels, args), args, Math.ceil(n / (args.batchSize ?? 32)));
      }
      const targets = this.layersTargets(labels);
      try {
        const { verbose, callbacks, ...rest } = args;
        return await super.fit(x as Tensor, targets, {
          ...(rest as tfl.ModelFitArgs),
          verbose: 0,
          callbacks: this.trainingCallbacks(callbacks, verbose, Math.ceil(n / (args.batchSize ?? 32)), args.epochs ?? 1),
        });
      } finally {
        tf.dispose(targets);
      }
    } finally {
      if (labels !== yOrArgs) labels.dispose();
    }
  }

  private async fitBatches(dataset: DatasetLike, args: SimilarityFitArgs, steps: number): Promise<tfl.History> {
    if (this.useCustomFit(args)) return this.customFit(datasetBatches(dataset, args.batchesPerEpoch), args, steps);
    const mapped = this.tilesLabels()
      ? dataset.map((batch) => {
          const { xs, ys } = checkBatch(batch);
          return { xs, ys: this.layersTargets(ys) };
        })
      : dataset;
    const { verbose, callbacks, ...rest } = args;
    return super.fitDataset(mapped as unknown as Parameters<tfl.LayersModel['fitDataset']>[0], {
      ...(rest as unknown as tfl.ModelFitDatasetArgs<unknown>),
      epochs: args.epochs ?? 1,
      verbose: 0,
      callbacks: this.trainingCallbacks(callbacks, verbose, steps, args.epochs ?? 1),
    });
  }

  /** What graph mode did in the last fit (null before fit or when it was not asked for). */
  graphReport: GraphReport | null = null;

  /**
   * Whether fit trains through the graph-mode loop: on the native backend
   * unless `graph: false`; a fit it cannot serve says why and trains eagerly.
   */
  private useGraph(args: SimilarityFitArgs): boolean {
    this.graphReport = null;
    const blocker = graphModeBlocker(args.graph);
    if (blocker === undefined) return false;
    const reason = blocker ?? this.customFitBlocker(args);
    if (reason === null) return true;
    this.graphReport = { graphSteps: 0, compiled: 0, reason };
    reportFallback(reason);
    return false;
  }

  /** Why our training loop cannot serve this fit (null when it can). */
  private customFitBlocker(args: SimilarityFitArgs): string | null {
    return !this.tilesLabels() || this.outputs.length !== 1 || this.similarityLosses.length !== 1
      ? 'graph mode trains a single-output model compiled with one @tfsim loss'
      : args.validationData !== undefined || args.validationSplit !== undefined
        ? 'validation runs in tfjs-layers fit'
        : args.sampleWeight !== undefined || args.classWeight !== undefined
          ? 'sample and class weights run in tfjs-layers fit'
          : null;
  }

  /**
   * Whether our loop runs this fit: for losses with variables, for graph
   * mode, and on the native backend for models with Dropout or noise layers even eagerly, so
   * that `graph: false` draws the same stateless masks as graph mode.
   */
  private useCustomFit(args: SimilarityFitArgs): boolean {
    if (this.lossVariables().length > 0 || this.useGraph(args)) return true;
    return args.graph === false && activeNativeBackend() !== null && hasRandomLayers([this]) && this.customFitBlocker(args) === null;
  }

  /** Whether fit repeats class labels to the output's shape: when compiled with a `@tfsim` loss. */
  tilesLabels(): boolean {
    return this.similarityLosses.some((l) => l !== null);
  }

  /** Variables the losses own (class centres, proxies), trained with the model. */
  lossVariables(): tf.Variable[] {
    return this.similarityLosses.flatMap((l) => (l ? l.trainableWeights : []));
  }

  /**
   * Targets in the shape tfjs-layers wants: labels repeated across each
   * output's width (`[batch, dim]`), as the `@tfsim` losses read them.
   */
  layersTargets(labels: Tensor): Tensor | Tensor[] {
    return tf.tidy(() => {
      if (labels.rank > 2 || (labels.rank === 2 && labels.shape[1] !== 1)) {
        throw new ShapeError(`labels must be one class id per example ([batch] or [batch, 1]), got [${labels.shape.join(', ')}]`);
      }
      const column = tf.reshape(labels, [labels.shape[0]!, 1]);
      const tiled = this.outputs.map((o) => {
        const dim = o.shape[o.shape.length - 1];
        if (o.shape.length !== 2 || typeof dim !== 'number') return column.clone();
        return tf.tile(column, [1, dim]);
      });
      return tiled.length === 1 ? tiled[0]! : tiled;
    });
  }

  /** The user's callbacks, the activation-std logger when the model has such layers, and the progress bar. */
  private trainingCallbacks(
    callbacks: SimilarityFitArgs['callbacks'],
    verbose: Verbose,
    stepsPerEpoch: number,
    epochs: number,
  ): AnyCallback[] {
    const list: AnyCallback[] = [];
    if (this.outputs.length > 1 && this.lossWeights.some((w) => w !== 1)) {
      list.push(new UnweightOutputLosses(new Map(this.outputNames.map((name, i) => [`${name}_loss`, this.lossWeights[i]!]))));
    }
    const given = callbacks === undefined ? [] : Array.isArray(callbacks) ? callbacks : [callbacks];
    for (const c of given)
      list.push(
        typeof (c as AnyCallback).setModel === 'function' ? (c as AnyCallback) : new tfl.CustomCallback(c as tfl.CustomCallbackArgs),
      );
    if (activationStdLayers(this).length > 0) list.push(activationStdLogger(this));
    if (showProgress(verbose)) list.push(progressCallback(stepsPerEpoch, epochs));
    return list;
  }

  /**
   * Our training loop, for losses with trainable variables (tfjs-layers' fit
   * only updates the model's weights, so each step minimises the loss over
   * the model's and the loss's variables together) and for graph mode. A
   * step computes what tfjs-layers' fit does: the loss, the metrics and the
   * layers' regularisation penalties.
   */
  private async customFit(batches: BatchSource, args: SimilarityFitArgs, stepsPerEpoch: number): Promise<tfl.History> {
    if (this.outputs.length !== 1 || this.similarityLosses.length !== 1 || !this.similarityLosses[0]) {
      throw new ValueError('a loss with trainable variables trains a single-output model compiled with that one loss');
    }
    if (args.validationData !== undefined || args.validationSplit !== undefined) {
      throw new ValueError('validation is not supported when the loss has trainable variables; call evaluate after fit');
    }
    const loss = this.similarityLosses[0];
    const lossWeight = this.lossWeights[0] ?? 1;
    const metricFns = (this.metricsNames ?? []).length > 1 ? this.compiledMetricFunctions() : [];
    const optimizer = this.optimizer;
    const numInputs = this.inputs.length;
    const unwrappedStep = (feeds: Tensor[]): Tensor[] => {
      const xs = numInputs === 1 ? feeds[0]! : feeds.slice(0, numInputs);
      const ys = feeds[numInputs]!;
      const vars = [...this.trainableWeights.map((w) => w.read() as tf.Variable), ...this.lossVariables()];
      const kept: Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const yPred = this.apply(xs, { training: true }) as Tensor;
        for (const m of metricFns) kept.push(tf.keep(m.fn(ys, yPred)));
        let total = loss.call(ys, yPred) as tf.Scalar;
        if (lossWeight !== 1) total = tf.mul(total, lossWeight);
        for (const penalty of this.calculateLosses()) total = tf.add(total, penalty);
        return total;
      }, vars);
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
      return [value, ...kept];
    };
    const checkLabels = (feeds: Tensor[]): void => {
      const numClasses = (loss as { numClasses?: unknown }).numClasses;
      if (typeof numClasses === 'number') checkClassIndices(feeds[numInputs]! as tf.Tensor1D, numClasses, loss.className);
    };
    const dropout = statelessDropout([this], dropoutSeed(args.seed));
    const step = dropout ? dropout.wrap(unwrappedStep) : unwrappedStep;
    const graph =
      graphModeBlocker(args.graph) === null
        ? new GraphTrainer(step, optimizer, reportFallback, {
            checkFeeds: checkLabels,
            ...(showProgress(args.verbose) ? { onNote: reportNote } : {}),
            counters: stdLayerCounters(activationStdLayers(this)),
          })
        : null;
    // graph steps keep the newest weights in TensorFlow's session: callbacks that act after batches may read the model
    const syncEachBatch = graph !== null && [args.callbacks ?? []].flat().some(actsPerBatch);
    const epochs = args.epochs ?? 1;
    const history = new tfl.History();
    const callbacks = new tfl.CallbackList([...this.trainingCallbacks(args.callbacks, args.verbose, stepsPerEpoch, epochs), history]);
    callbacks.setModel(this);
    callbacks.setParams({
      epochs,
      steps: stepsPerEpoch,
      verbose: 0,
      doValidation: false,
      metrics: ['loss', ...metricFns.map((m) => m.name)],
    });
    this.stopTraining = false;
    let completed = false;
    try {
      await callbacks.onTrainBegin();
      for (let epoch = args.initialEpoch ?? 0; epoch < epochs; epoch++) {
        await callbacks.onEpochBegin(epoch);
        const totals = new Map<string, number>();
        let steps = 0;
        for await (const { xs, ys } of batches.epoch()) {
          await callbacks.onBatchBegin(steps, { batch: steps, size: ys.shape[0]! });
          const feeds = [...(Array.isArray(xs) ? xs : [xs]), ys];
          const results = graph ? graph.run(feeds) : step(feeds);
          const logs: Record<string, number> = { batch: steps, size: ys.shape[0]! };
          const names = ['loss', ...metricFns.map((m) => m.name)];
          for (let i = 0; i < results.length; i++) logs[names[i]!] = (await results[i]!.data())[0]!;
          tf.dispose([...results, ...feeds]);
          for (const [k, v] of Object.entries(logs)) if (k !== 'batch' && k !== 'size') totals.set(k, (totals.get(k) ?? 0) + v);
          steps++;
          if (syncEachBatch) graph?.sync();
          await callbacks.onBatchEnd(steps - 1, logs);
          if (this.stopTraining) break;
        }
        graph?.sync();
        const epochLogs: Record<string, number> = {};
        for (const [k, v] of totals) epochLogs[k] = v / Math.max(1, steps);
        await callbacks.onEpochEnd(epoch, epochLogs);
        if (this.stopTraining) break;
      }
      await callbacks.onTrainEnd();
      completed = true;
    } finally {
      if (graph) {
        this.graphReport = graph.report();
        graph.dispose({ afterError: !completed });
      }
      dropout?.dispose();
    }
    return history;
  }

  /** The metric functions compile gave tfjs-layers, with their log names. */
  private compiledMetricFunctions(): Array<{ name: string; fn: MetricFunction }> {
    const names = this.metricsNames.slice(1);
    const fns = ((this as unknown as { metricsTensors?: Array<[MetricFunction, number]> }).metricsTensors ?? []).map(([fn]) => fn);
    return fns.map((fn, i) => ({ name: names[i] ?? fn.name, fn }));
  }

  /**
   * Saves the model and its index side by side in the folder `dir`
   * (`model.json` and `weights.bin`, `index/`, and our versioned
   * `manifest.json`), atomically: a failure leaves the previous folder.
   * `loadModel(dir)` brings back the model, its index, calibration and
   * compile choices. An IOHandler (not a path) saves the model alone, as
   * tfjs-layers does.
   */
  override async save(handlerOrURL: io.IOHandler | string, config: SimilaritySaveConfig = {}): Promise<io.SaveResult> {
    if (typeof handlerOrURL !== 'string') return super.save(handlerOrURL, config);
    const dir = handlerOrURL.replace(/^file:\/\//, '');
    await checkOverwrite(dir, config.overwrite);
    const saveIndex = (config.saveIndex ?? true) && this.indexerOrNull !== null;
    let result: io.SaveResult | undefined;
    await writeFolderAtomically(dir, async (tmp) => {
      result = await writeLayersModel(this, tmp, config.handler ?? 'auto');
      if (saveIndex) await this.indexer.save(path.join(tmp, INDEX_FOLDER));
      const manifest: SimilarityModelManifest = {
        format: MODEL_FORMAT,
        version: MODEL_FORMAT_VERSION,
        model: MODEL_JSON,
        index: saveIndex ? INDEX_FOLDER : null,
        compile: this.compileChoices,
      };
      await writeManifest(tmp, manifest as unknown as Manifest);
    });
    return result!;
  }

  /** Loads a model saved by `save`: see `loadModel`. */
  static load(dir: string, options: LoadModelOptions = {}): Promise<SimilarityModel> {
    return loadModel(dir, options);
  }

  /** Frees the model's weights and closes the index's store (the losses given to compile stay the caller's). */
  override dispose(): ReturnType<tfl.LayersModel['dispose']> {
    const result = super.dispose();
    this.indexerOrNull?.close().catch(() => undefined);
    return result;
  }
}
serialization.registerClass(SimilarityModel, 'Similarity');

/** A tfjs-layers callback (BaseCallback is not exported by name). */
type AnyCallback = NonNullable<ConstructorParameters<typeof tfl.CallbackList>[0]>[number];

export const MODEL_FORMAT = 'tfsim.similarity-model';
export const MODEL_FORMAT_VERSION = 1;
const INDEX_FOLDER = 'index';

interface SimilarityModelManifest {
  format: string;
  version: number;
  /** The tfjs-layers model file, next to its weights. */
  model: string;
  /** The index folder (Indexer.save), or null when the index was not saved. */
  index: string | null;
  compile: CompileChoices | null;
}

export interface SimilaritySaveConfig extends io.SaveConfig {
  /** Save the index with the model. Default true (when the model has one). */
  saveIndex?: boolean;
  /** Replace an existing folder. Default true. */
  overwrite?: boolean;
  /** How model.json is written: tfjs-node's file:// handler when loaded (`auto`, default), or ours (`own`). */
  handler?: 'auto' | 'native' | 'own';
}

export interface LoadModelOptions {
  verbose?: Verbose;
  /** Load the saved index records into this store instead of one made from the saved config. */
  kvStore?: IndexerLoadOptions['kvStore'];
  /** Load the saved search into this one instead of one made from the saved config. */
  search?: IndexerLoadOptions['search'];
}

/**
 * The Python `load_model`: a SimilarityModel saved by `save`, with its
 * weights, its index (contents, calibration, cutpoints) and compile choices
 * (distance, embedding output). Not compiled: call `compile` to train on.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<SimilarityModel> {
  const folder = dir.replace(/^file:\/\//, '');
  const md = (await readManifest(folder, MODEL_FORMAT, [MODEL_FORMAT_VERSION])) as unknown as SimilarityModelManifest;
  if (md.model !== MODEL_JSON)
    throw new FormatError(`${folder}: the manifest names model file "${String(md.model)}", expected ${MODEL_JSON}`);
  const model = await readLayersModel(folder);
  if (!(model instanceof SimilarityModel)) {
    model.dispose();
    throw new FormatError(`${folder} holds a ${model.getClassName()}, not a SimilarityModel`);
  }
  try {
    if (md.index !== null && md.index !== undefined) {
      // a folder of its own inside the model folder: not '', '.', '..', a path or a link
      const name = md.index;
      if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || path.basename(name) !== name) {
        throw new FormatError(`${folder}: the manifest field index must name a folder inside the model folder`);
      }
      await assertSavedFolder(path.join(folder, name), 'index folder');
      model.indexer = await Indexer.load(path.join(folder, md.index), {
        verbose: options.verbose,
        kvStore: options.kvStore,
        search: options.search,
      });
    } else if (md.compile) {
      model.createIndex({ distance: md.compile.distance, embeddingOutput: md.compile.embeddingOutput });
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  model.compileChoices = md.compile ?? null;
  return model;
}

interface Batch {
  xs: ModelInput;
  ys: Tensor;
}

interface BatchSource {
  /** The batches of one epoch; the consumer disposes each. */
  epoch(): AsyncIterable<Batch>;
}

function checkBatch(batch: unknown): Batch {
  const b = batch as Partial<Batch> | null;
  if (!b || typeof b !== 'object' || b.xs === undefined || !isTensorLike(b.ys)) {
    throw new ValueError('each dataset batch must be {xs, ys} with ys a tensor of class ids');
  }
  return b as Batch;
}

function countBatch(x: unknown): number {
  const inputs = Array.isArray(x) ? x : [x];
  if (inputs.length === 0 || !inputs.every(isTensorLike)) {
    throw new ValueError('fit takes tensors (x, y), a sampler, or a tfjs-data dataset of {xs, ys}');
  }
  return (inputs[0] as Tensor).shape[0] ?? 1;
}

function tensorBatches(x: ModelInput, y: Tensor, args: SimilarityFitArgs): BatchSource {
  const n = y.shape[0]!;
  const batchSize = args.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`batchSize must be an integer >= 1, got ${batchSize}`);
  return {
    async *epoch() {
      const order = Array.from({ length: n }, (_, i) => i);
      if (args.shuffle ?? true) tf.util.shuffle(order);
      for (let s = 0; s < n; s += batchSize) {
        const idx = tf.tensor1d(order.slice(s, s + batchSize), 'int32');
        const xs = Array.isArray(x) ? x.map((t) => tf.gather(t, idx)) : tf.gather(x, idx);
        const ys = tf.gather(y, idx);
        idx.dispose();
        yield { xs, ys };
      }
    },
  };
}

function datasetBatches(dataset: DatasetLike, batchesPerEpoch: number | undefined): BatchSource {
  let iterator: { next(): Promise<IteratorResult<unknown>> } | null = null;
  return {
    async *epoch() {
      // As tfjs-layers' fitDataset: without batchesPerEpoch each epoch is one
      // pass; with it, one iterator runs on across epochs.
      if (iterator === null || batchesPerEpoch === undefined) iterator = await dataset.iterator();
      for (let i = 0; batchesPerEpoch === undefined || i < batchesPerEpoch; i++) {
        const next = await iterator.next();
        if (next.done) {
          if (batchesPerEpoch !== undefined) iterator = null;
          return;
        }
        yield checkBatch(next.value);
      }
    },
  };
}

function progressCallback(stepsPerEpoch: number, epochs: number): tfl.CustomCallback {
  let progress: ReturnType<typeof createProgress> | null = null;
  return new tfl.CustomCallback({
    onEpochBegin: async (epoch) => {
      progress = createProgress({ label: `epoch ${epoch + 1}/${epochs}`, total: stepsPerEpoch, enabled: true });
    },
    onBatchEnd: async (_batch, logs) => {
      progress?.tick(1, formatFitLogs(logs));
    },
    onEpochEnd: async (_epoch, logs) => {
      progress?.done(formatFitLogs(logs));
      progress = null;
    },
  });
}

/** A loss spec as the @tfsim loss (if it is one) and the function tfjs-layers gets. */
function resolveLoss(spec: LossSpec): { loss: Loss | null; fn: LossFunction | string } {
  if (isLoss(spec)) return { loss: spec, fn: spec.lossFunction };
  if (typeof spec === 'function') return { loss: null, fn: spec };
  if (typeof spec === 'string') {
    try {
      const loss = getLoss(spec);
      return { loss, fn: loss.lossFunction };
    } catch (err) {
      if (!(err instanceof UnknownNameError)) throw err;
      // not one of ours: a tfjs-layers loss name (meanSquaredError, ...)
      return { loss: null, fn: spec };
    }
  }
  throw new TfsimError(`loss must be a @tfsim loss, a loss name or a function, got ${describe(spec)}`);
}

/** The name tfjs-layers logs a metric under. */
function metricName(m: MetricFunction | string): string {
  return typeof m === 'string' ? m : m.name;
}

function resolveMetric(spec: MetricSpec): MetricFunction | string {
  if (typeof spec === 'string' || typeof spec === 'function') return spec;
  if (typeof spec === 'object' && spec !== null && typeof spec.metricFunction === 'function') return spec.metricFunction;
  throw new ValueError(`metric must be a training metric (with metricFunction), a metric name or a function, got ${describe(spec)}`);
}
