/**
 * ContrastiveModel: self-supervised training of a backbone on pairs of
 * augmented views (SimSiam, SimCLR, Barlow Twins, VicReg), as the Python
 * library's `ContrastiveModel`, with its index API for retrieval afterwards.
 *
 * tfjs-layers' `fit` cannot express the step (two views through shared
 * sub-models, a stop-gradient, a loss between the two outputs), so the
 * training loop is written here: `tf.variableGrads` over the trainable
 * weights of backbone, projector and predictor, then the optimizer's update.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { withoutGradient } from '@tfsim/distances';
import { l2Normalize } from '@tfsim/layers';
import {
  Barlow,
  deserializeLoss,
  getLoss,
  type Loss,
  type SerializedLoss,
  serializeLoss,
  SimCLRLoss,
  SimSiamLoss,
  VicReg,
} from '@tfsim/losses';
import {
  checkOptions,
  checkOverwrite,
  ensureGradientsRegistered,
  FormatError,
  isTensor,
  type OptionKeys,
  readManifest,
  ShapeError,
  StateError,
  UnknownNameError,
  ValueError,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils';

import { type GraphReport, withFusedGradients } from '../graph';
import { type CreateIndexOptions, type EmbeddingHead, type ModelInput, withIndex } from '../index-api';
import type { LearningRateScheduleLike } from '../schedules/optimizer';
import { loadLayersModelFrom, saveLayersModel } from './layers-io';
import { evaluateViews, fitContrastive, readStepLosses } from './training';
import { checkSameShape, type ContrastiveData, type ViewAugmenter, viewSource } from './views';

export const CONTRASTIVE_ALGORITHMS = ['simsiam', 'simclr', 'barlow', 'vicreg'] as const;
export type ContrastiveAlgorithm = (typeof CONTRASTIVE_ALGORITHMS)[number];

/** What `predict` (and so the index) returns: Python's L2-normalised projector output, or the L2-normalised backbone output. */
export type ContrastiveEmbedding = 'projector' | 'backbone';

/** A loss of the two branches' outputs `(a, b) -> scalar`, if not a @tfsim/losses loss. */
export type ViewLossFn = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Scalar;
export type ContrastiveLoss = Loss | ViewLossFn;

export const CONTRASTIVE_MODEL_FORMAT = 'tfsim.contrastive_model';
export const CONTRASTIVE_MODEL_FORMAT_VERSION = 1;

/** Checks an algorithm name (case-insensitive), as Python's constructor does. */
export function checkAlgorithm(algorithm: unknown): ContrastiveAlgorithm {
  const name = typeof algorithm === 'string' ? algorithm.toLowerCase() : String(algorithm);
  if (!(CONTRASTIVE_ALGORITHMS as readonly string[]).includes(name)) {
    throw new UnknownNameError('contrastive algorithm', String(algorithm), CONTRASTIVE_ALGORITHMS);
  }
  return name as ContrastiveAlgorithm;
}

/** The loss each algorithm trains with when compile() is given none (the papers' losses, @tfsim/losses defaults). */
export function defaultContrastiveLoss(algorithm: ContrastiveAlgorithm): Loss {
  switch (algorithm) {
    case 'simsiam':
      return new SimSiamLoss();
    case 'simclr':
      return new SimCLRLoss();
    case 'barlow':
      return new Barlow();
    case 'vicreg':
      return new VicReg();
  }
}

export interface ContrastiveModelOptions {
  /** Learns the representation; its output feeds the projector. */
  backbone: LayersModel;
  /** Maps the backbone's output to the space the loss compares. */
  projector: LayersModel;
  /** SimSiam's extra head on the projector's output; required for 'simsiam', unused by the others. */
  predictor?: LayersModel | null;
  /** Default 'simsiam' (Python's default). */
  algorithm?: ContrastiveAlgorithm | string;
  /** Default 'contrastive_model'. */
  name?: string;
  /** What predict() and the index use, L2-normalised: 'projector' (default, Python's predict) or 'backbone'. */
  embedding?: ContrastiveEmbedding;
}

type OptimizerName = 'sgd' | 'adam' | 'rmsprop' | 'adagrad' | 'adadelta' | 'adamax';

export interface ContrastiveCompileOptions extends CreateIndexOptions {
  /** A tfjs optimizer, or a name with Keras' default settings. Default 'rmsprop' (Python's default). */
  optimizer?: tf.Optimizer | OptimizerName;
  /** The loss of the two branches; default: the algorithm's loss (SimSiamLoss, SimCLRLoss, Barlow, VicReg). A string is a @tfsim/losses name. */
  loss?: ContrastiveLoss | string;
}

export interface ContrastiveFitOptions {
  /** Default 1. */
  epochs?: number;
  /** Batches per epoch; default: the sampler's stepsPerEpoch, or one pass over tensor data. */
  stepsPerEpoch?: number;
  /** Rows per batch for tensor data. Default 32. */
  batchSize?: number;
  /** Reshuffle tensor data each pass. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling of tensor data, and of the Dropout masks and layer noise on the native TensorFlow backend (default: a fresh one per fit there). */
  seed?: number;
  /** Makes the two views when the data is a tensor of examples (e.g. a ContrastiveAugmenter). */
  augmenter?: ViewAugmenter;
  /** Data for a validation loss at each epoch's end (`val_loss`), of the same kinds as the training data. */
  validationData?: ContrastiveData;
  /** Batches of validation data; default as stepsPerEpoch. */
  validationSteps?: number;
  /** Sets the optimizer's learning rate before each update from its step count (e.g. a WarmupCosineDecay). */
  learningRateSchedule?: LearningRateScheduleLike;
  /** Progress bar on stderr; default: when stderr is a terminal (see @tfsim/utils progress). */
  verbose?: boolean;
  /**
   * Graph mode on the native TensorFlow backend: each step after the first
   * few is one TensorFlow call (see docs/backends.md). Default true; `false`
   * trains eagerly. Other backends always train eagerly.
   */
  graph?: boolean;
  /** Called after each epoch with its logs; set `model.stopTraining = true` to stop. */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void | Promise<void>;
  /**
   * Keras-style callbacks (e.g. @tfsim/callbacks' EvalCallback): `setModel`
   * gets this model, then `onTrainBegin`, `onEpochBegin`, `onEpochEnd`
   * (values they add to the logs go into the history) and `onTrainEnd`.
   */
  callbacks?: ContrastiveCallback[];
}

/** The parts of a tfjs-layers / Keras callback that ContrastiveModel.fit calls. */
export interface ContrastiveCallback {
  setModel?(model: unknown): void;
  onTrainBegin?(logs?: Record<string, number>): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Record<string, number>): void | Promise<void>;
  onEpochEnd?(epoch: number, logs?: Record<string, number>): void | Promise<void>;
  onTrainEnd?(logs?: Record<string, number>): void | Promise<void>;
}

/** Per-epoch values, as a Keras History: `history.loss[e]` is epoch e's mean loss. */
export interface ContrastiveHistory {
  epoch: number[];
  history: Record<string, number[]>;
}

export interface ContrastiveEvaluateOptions {
  batchSize?: number;
  steps?: number;
  augmenter?: ViewAugmenter;
  seed?: number;
}

export interface ContrastiveSaveOptions {
  /** Save the index too (in `<dir>/index`) when there is one. Default true. */
  saveIndex?: boolean;
  /** Replace an existing folder. Default true. */
  overwrite?: boolean;
}

interface ContrastiveManifest {
  [key: string]: unknown;
  format: string;
  version: number;
  name: string;
  algorithm: ContrastiveAlgorithm;
  embedding: ContrastiveEmbedding;
  hasPredictor: boolean;
  loss: SerializedLoss | null;
  hasIndex: boolean;
}

/** The three loss values of a step or an evaluation. */
export interface ContrastiveLosses {
  /** contrastive + regularization: what is minimised. */
  loss: tf.Scalar;
  contrastiveLoss: tf.Scalar;
  /** The sub-models' weight-regularisation losses; null when they have none. */
  regularizationLoss: tf.Scalar | null;
}

function singleOutput(out: tf.Tensor | tf.Tensor[], what: string): tf.Tensor {
  if (Array.isArray(out)) {
    if (out.length !== 1) throw new ShapeError(`the ${what} must have one output, it has ${out.length}`);
    return out[0]!;
  }
  return out;
}

function outputWidth(model: LayersModel, what: string): number {
  if (model.outputs.length !== 1) throw new ShapeError(`the ${what} must have one output, it has ${model.outputs.length}`);
  const shape = model.outputs[0]!.shape;
  const width = shape[shape.length - 1];
  if (shape.length !== 2 || typeof width !== 'number') {
    throw new ShapeError(`the ${what}'s output must be [batch, features], got [${shape.map((d) => d ?? 'null').join(', ')}]`);
  }
  return width;
}

function inputWidth(model: LayersModel, what: string): number {
  if (model.inputs.length !== 1) throw new ShapeError(`the ${what} must have one input, it has ${model.inputs.length}`);
  const shape = model.inputs[0]!.shape;
  const width = shape[shape.length - 1];
  if (shape.length !== 2 || typeof width !== 'number') {
    throw new ShapeError(`the ${what}'s input must be [batch, features], got [${shape.map((d) => d ?? 'null').join(', ')}]`);
  }
  return width;
}

function isLayersModel(x: unknown): x is LayersModel {
  return typeof x === 'object' && x !== null && typeof (x as LayersModel).apply === 'function' && Array.isArray((x as LayersModel).inputs);
}

function makeOptimizer(name: string): tf.Optimizer {
  // Keras' defaults for each optimizer.
  switch (name.toLowerCase()) {
    case 'sgd':
      return tf.train.sgd(0.01);
    case 'adam':
      return tf.train.adam(0.001, 0.9, 0.999, 1e-7);
    case 'rmsprop':
      return tf.train.rmsprop(0.001, 0.9, 0, 1e-7);
    case 'adagrad':
      return tf.train.adagrad(0.001, 0.1);
    case 'adadelta':
      return tf.train.adadelta(0.001, 0.95, 1e-7);
    case 'adamax':
      return tf.train.adamax(0.001, 0.9, 0.999, 1e-7);
    default:
      throw new UnknownNameError('optimizer', name, ['sgd', 'adam', 'rmsprop', 'adagrad', 'adadelta', 'adamax']);
  }
}

function resolveLoss(loss: ContrastiveLoss | string | undefined, algorithm: ContrastiveAlgorithm): ContrastiveLoss {
  if (loss === undefined) return defaultContrastiveLoss(algorithm);
  if (typeof loss === 'string') return getLoss(loss);
  if (typeof loss === 'function') return loss;
  if (typeof loss === 'object' && loss !== null && typeof (loss as Loss).call === 'function') return loss;
  throw new ValueError('loss must be a @tfsim/losses loss, its name, or a function (a, b) => scalar');
}

const Base = withIndex(class {});

export class ContrastiveModel extends Base {
  static readonly optionKeys: OptionKeys<ContrastiveModelOptions> = {
    backbone: true,
    projector: true,
    predictor: true,
    algorithm: true,
    name: true,
    embedding: true,
  };
  readonly backbone: LayersModel;
  readonly projector: LayersModel;
  readonly predictor: LayersModel | null;
  readonly algorithm: ContrastiveAlgorithm;
  readonly name: string;
  readonly embedding: ContrastiveEmbedding;
  /** Set by compile(). */
  optimizer: tf.Optimizer | null = null;
  loss: ContrastiveLoss | null = null;
  /** What graph mode did in the last fit (null before fit, or when it was off). */
  graphReport: GraphReport | null = null;
  /** Set to true (e.g. in onEpochEnd) to stop fit() after the current epoch. */
  stopTraining = false;
  private ownsOptimizer = false;

  constructor(options: ContrastiveModelOptions) {
    super();
    if (typeof options !== 'object' || options === null)
      throw new ValueError('ContrastiveModel needs {backbone, projector, predictor?, algorithm?}');
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.algorithm = checkAlgorithm(options.algorithm ?? 'simsiam');
    if (!isLayersModel(options.backbone)) throw new ValueError('ContrastiveModel needs a backbone (a tfjs LayersModel)');
    if (!isLayersModel(options.projector)) throw new ValueError('ContrastiveModel needs a projector (a tfjs LayersModel)');
    if (options.predictor != null && !isLayersModel(options.predictor)) throw new ValueError('the predictor must be a tfjs LayersModel');
    if (this.algorithm === 'simsiam' && options.predictor == null) {
      throw new ValueError("the 'simsiam' algorithm needs a predictor (createContrastiveModel builds the default one)");
    }
    this.embedding = options.embedding ?? 'projector';
    if (this.embedding !== 'projector' && this.embedding !== 'backbone') {
      throw new UnknownNameError('embedding', String(this.embedding), ['projector', 'backbone']);
    }
    this.backbone = options.backbone;
    this.projector = options.projector;
    this.predictor = options.predictor ?? null;
    this.name = options.name ?? 'contrastive_model';
    // The heads must fit together, as Keras would check when wiring them.
    const backboneWidth = outputWidth(this.backbone, 'backbone');
    const projectorIn = inputWidth(this.projector, 'projector');
    if (projectorIn !== backboneWidth) {
      throw new ShapeError(`the projector takes ${projectorIn} features but the backbone outputs ${backboneWidth}`);
    }
    const projectorWidth = outputWidth(this.projector, 'projector');
    if (this.predictor) {
      const predictorIn = inputWidth(this.predictor, 'predictor');
      const predictorOut = outputWidth(this.predictor, 'predictor');
      if (predictorIn !== projectorWidth || predictorOut !== projectorWidth) {
        throw new ShapeError(
          `the predictor must map the projector's ${projectorWidth} features to ${projectorWidth}, it maps ${predictorIn} to ${predictorOut}`,
        );
      }
    }
  }

  /** Sets the optimizer and loss, and creates the index (distance default 'cosine'), as Python's compile. */
  compile(options: ContrastiveCompileOptions = {}): void {
    const { optimizer, loss, ...indexOptions } = options;
    const resolvedLoss = resolveLoss(loss ?? this.loss ?? undefined, this.algorithm);
    let resolvedOptimizer: tf.Optimizer;
    let owns = false;
    if (optimizer === undefined || typeof optimizer === 'string') {
      resolvedOptimizer = makeOptimizer(optimizer ?? 'rmsprop');
      owns = true;
    } else if (typeof optimizer === 'object' && optimizer !== null && typeof (optimizer as tf.Optimizer).applyGradients === 'function') {
      resolvedOptimizer = optimizer;
    } else {
      throw new ValueError('optimizer must be a tfjs Optimizer or one of sgd, adam, rmsprop, adagrad, adadelta, adamax');
    }
    this.createIndex(indexOptions);
    if (this.ownsOptimizer && this.optimizer && this.optimizer !== resolvedOptimizer) this.optimizer.dispose();
    this.optimizer = resolvedOptimizer;
    this.ownsOptimizer = owns;
    this.loss = resolvedLoss;
  }

  /** The weights training updates: the trainable weights of backbone, projector and (SimSiam) predictor. */
  trainableVariables(): tf.Variable[] {
    const models = [this.backbone, this.projector];
    if (this.algorithm === 'simsiam' && this.predictor) models.push(this.predictor);
    const seen = new Set<number>();
    const vars: tf.Variable[] = [];
    for (const m of models) {
      for (const w of m.trainableWeights) {
        const v = w.read() as tf.Variable;
        if (!seen.has(v.id)) {
          seen.add(v.id);
          vars.push(v);
        }
      }
    }
    return vars;
  }

  private requireLoss(): ContrastiveLoss {
    if (!this.loss) throw new StateError('the model is not compiled: call compile() before fit() or evaluate()');
    return this.loss;
  }

  private callLoss(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
    const loss = this.requireLoss();
    const value = typeof loss === 'function' ? loss(a, b) : loss.call(a, b);
    if (!isTensor(value) || value.rank !== 0) throw new ShapeError('the loss must return a scalar tensor');
    return value as tf.Scalar;
  }

  /**
   * The contrastive loss from the branches' outputs (`z`: projector, `p`:
   * predictor). SimSiam: `L(sg(z1), p2) + L(sg(z2), p1)`, with `sg` the
   * stop-gradient, so no gradient reaches the projector through the targets;
   * the others: `L(z1, z2)`.
   */
  viewsLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, p1?: tf.Tensor2D, p2?: tf.Tensor2D): tf.Scalar {
    if (this.algorithm !== 'simsiam') return this.callLoss(z1, z2);
    if (!p1 || !p2) throw new ValueError('SimSiam needs the predictor outputs p1 and p2');
    return tf.tidy(() => {
      const target1 = withoutGradient(() => tf.clone(z1));
      const target2 = withoutGradient(() => tf.clone(z2));
      return tf.add(this.callLoss(target1, p2), this.callLoss(target2, p1)) as tf.Scalar;
    });
  }

  /** Throws when the two views do not match each other or the backbone's input. */
  checkViews(view1: tf.Tensor, view2: tf.Tensor): void {
    if (!isTensor(view1) || !isTensor(view2)) throw new ValueError('the two views must be tensors');
    checkSameShape(view1, view2);
    this.checkInput(view1, 'the views');
  }

  private checkInput(x: tf.Tensor, what: string): void {
    const expected = this.backbone.inputs[0]!.shape;
    const ok = x.rank === expected.length && expected.every((d, i) => i === 0 || d === null || d === x.shape[i]);
    if (!ok) {
      throw new ShapeError(
        `${what} have shape [${x.shape.join(', ')}] but the backbone takes [${expected.map((d) => d ?? 'batch').join(', ')}]`,
      );
    }
    if (x.shape[0] === 0) throw new ShapeError(`${what} hold no examples`);
  }

  private regularizationLoss(): tf.Scalar | undefined {
    const models = [this.backbone, this.projector];
    if (this.algorithm === 'simsiam' && this.predictor) models.push(this.predictor);
    const losses = models.flatMap((m) => m.calculateLosses());
    if (losses.length === 0) return undefined;
    return tf.addN(losses) as tf.Scalar;
  }

  /**
   * The losses of one pair of view batches (Python's `_forward_pass` plus the
   * regularisation losses): views through backbone -> projector (->
   * predictor), in training mode (batch statistics, updating the moving
   * ones) or inference mode. The caller disposes the result.
   */
  computeLosses(view1: tf.Tensor, view2: tf.Tensor, options: { training?: boolean } = {}): ContrastiveLosses {
    this.checkViews(view1, view2);
    const training = options.training ?? false;
    const [loss, contrastiveLoss, regularizationLoss] = tf.tidy(() => {
      const kwargs = { training };
      const h1 = singleOutput(this.backbone.apply(view1, kwargs) as tf.Tensor, 'backbone');
      const h2 = singleOutput(this.backbone.apply(view2, kwargs) as tf.Tensor, 'backbone');
      const z1 = singleOutput(this.projector.apply(h1, kwargs) as tf.Tensor, 'projector') as tf.Tensor2D;
      const z2 = singleOutput(this.projector.apply(h2, kwargs) as tf.Tensor, 'projector') as tf.Tensor2D;
      let contrastive: tf.Scalar;
      if (this.algorithm === 'simsiam') {
        const p1 = singleOutput(this.predictor!.apply(z1, kwargs) as tf.Tensor, 'predictor') as tf.Tensor2D;
        const p2 = singleOutput(this.predictor!.apply(z2, kwargs) as tf.Tensor, 'predictor') as tf.Tensor2D;
        contrastive = this.viewsLoss(z1, z2, p1, p2);
      } else {
        contrastive = this.viewsLoss(z1, z2);
      }
      const regularization = this.regularizationLoss();
      if (!regularization) return [contrastive, contrastive];
      return [tf.add(contrastive, regularization) as tf.Scalar, contrastive, regularization];
    });
    return { loss: loss!, contrastiveLoss: contrastiveLoss!, regularizationLoss: regularizationLoss ?? null };
  }

  /** The total loss of a pair of view batches (see computeLosses); the caller disposes it. */
  computeLoss(view1: tf.Tensor, view2: tf.Tensor, options: { training?: boolean } = {}): tf.Scalar {
    const losses = this.computeLosses(view1, view2, options);
    if (losses.contrastiveLoss !== losses.loss) losses.contrastiveLoss.dispose();
    losses.regularizationLoss?.dispose();
    return losses.loss;
  }

  /**
   * One optimisation step on a pair of view batches (Python's train_step):
   * gradients of the total loss w.r.t. the trainable weights of backbone,
   * projector and (SimSiam) predictor, applied by the optimizer. Returns the
   * losses before the update.
   */
  async trainStep(
    view1: tf.Tensor,
    view2: tf.Tensor,
  ): Promise<{ loss: number; contrastiveLoss: number; regularizationLoss: number | null }> {
    this.checkViews(view1, view2);
    return readStepLosses(this.stepTensors(view1, view2));
  }

  /**
   * The step itself, on tensors: updates the weights and returns the total
   * loss, then (with regularisers) the contrastive and regularisation
   * losses, as tensors the caller disposes. fit runs it eagerly or traces it
   * into a graph.
   */
  stepTensors(view1: tf.Tensor, view2: tf.Tensor): tf.Tensor[] {
    const optimizer = this.optimizer;
    if (!optimizer) throw new StateError('the model is not compiled: call compile() before fit()');
    this.requireLoss();
    const vars = this.trainableVariables();
    if (vars.length === 0) throw new StateError('the model has no trainable weights: backbone, projector and predictor are all frozen');
    ensureGradientsRegistered();
    let kept: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const losses = this.computeLosses(view1, view2, { training: true });
      if (losses.regularizationLoss) kept = [tf.keep(losses.contrastiveLoss), tf.keep(losses.regularizationLoss)];
      return losses.loss;
    }, vars);
    try {
      optimizer.applyGradients(grads);
    } finally {
      tf.dispose(Object.values(grads));
    }
    return [value, ...kept];
  }

  /** Mean losses over `data` in inference mode (Python's evaluate / test_step). */
  async evaluate(data: ContrastiveData, options: ContrastiveEvaluateOptions = {}): Promise<Record<string, number>> {
    this.requireLoss();
    return evaluateViews(this, viewSource(data, options, false));
  }

  /**
   * Trains on pairs of augmented views for `epochs` epochs; returns the mean
   * loss of each epoch (plus `contrastive_loss` and `regularization_loss`
   * when the sub-models have regularisers, `proj_std` / `pred_std` from the
   * heads' ActivationStdLoggingLayers, `lr` with a schedule, `val_loss` with
   * validation data). On the native TensorFlow backend the steps run in
   * graph mode unless `graph: false` (see fitContrastive).
   */
  fit(data: ContrastiveData, options: ContrastiveFitOptions = {}): Promise<ContrastiveHistory> {
    if (!this.optimizer || !this.loss) throw new StateError('the model is not compiled: call compile() before fit()');
    // on the native backend graph and eager steps take TensorFlow's fused activation gradients
    return withFusedGradients(() => fitContrastive(this, data, options));
  }

  /**
   * Embeddings of `x` (inference mode), in batches of `batchSize` (default
   * 32): the L2-normalised projector output, as Python's predict, or with
   * `embedding: 'backbone'` the L2-normalised backbone output (the index's
   * cosine distance, `1 - a.b` as in Python, expects unit vectors). For the
   * raw representation use `model.backbone.predict(x)`. The caller disposes it.
   */
  predict(x: tf.Tensor, options: { batchSize?: number } = {}): tf.Tensor2D {
    if (!isTensor(x)) throw new ValueError('predict takes a tensor of examples');
    this.checkInput(x, 'the examples');
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`batchSize must be an integer >= 1, got ${batchSize}`);
    const n = x.shape[0]!;
    const parts: tf.Tensor2D[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        parts.push(
          tf.tidy(() => {
            const xb = n <= batchSize ? x : tf.slice(x, start, Math.min(batchSize, n - start));
            const h = singleOutput(this.backbone.apply(xb, { training: false }) as tf.Tensor, 'backbone');
            const z =
              this.embedding === 'backbone' ? h : singleOutput(this.projector.apply(h, { training: false }) as tf.Tensor, 'projector');
            return l2Normalize(z, 1) as tf.Tensor2D;
          }),
        );
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    } finally {
      if (parts.length > 1) tf.dispose(parts);
    }
  }

  /** For the index API: embeddings of a batch (see predict). */
  predictForIndex(x: ModelInput): tf.Tensor {
    if (Array.isArray(x)) {
      if (x.length !== 1) throw new ShapeError(`the backbone takes one input, got ${x.length}`);
      return this.predict(x[0]!);
    }
    return this.predict(x);
  }

  resolveEmbeddingOutput(embeddingOutput: number | null | undefined): EmbeddingHead {
    if (embeddingOutput != null && embeddingOutput !== 0) {
      throw new ValueError(`a ContrastiveModel has one embedding output; embeddingOutput ${embeddingOutput} does not exist`);
    }
    const width = this.embedding === 'backbone' ? outputWidth(this.backbone, 'backbone') : outputWidth(this.projector, 'projector');
    return { embeddingOutput: null, embeddingSize: width };
  }

  /** Prints the sub-models' summaries. */
  summary(print: (line: string) => void = console.log): void {
    print('[Backbone]');
    this.backbone.summary(undefined, undefined, print);
    print('\n[Projector]');
    this.projector.summary(undefined, undefined, print);
    if (this.predictor) {
      print('\n[Predictor]');
      this.predictor.summary(undefined, undefined, print);
    }
  }

  /**
   * Saves backbone, projector and predictor (each in TensorFlow.js' layers
   * format), the algorithm and the loss's config, and the index when there
   * is one (`saveIndex`, default true), to the folder `dir`, atomically. The
   * optimizer's state is not saved: compile again to continue training.
   */
  async save(dir: string, options: ContrastiveSaveOptions = {}): Promise<void> {
    await checkOverwrite(dir, options.overwrite);
    const saveIndex = (options.saveIndex ?? true) && this.indexerOrNull !== null;
    const loss = this.loss && typeof this.loss !== 'function' ? serializeLoss(this.loss) : null;
    await writeFolderAtomically(dir, async (tmp) => {
      await saveLayersModel(this.backbone, path.join(tmp, 'backbone'));
      await saveLayersModel(this.projector, path.join(tmp, 'projector'));
      if (this.predictor) await saveLayersModel(this.predictor, path.join(tmp, 'predictor'));
      if (saveIndex) await this.saveIndex(tmp);
      const manifest: ContrastiveManifest = {
        format: CONTRASTIVE_MODEL_FORMAT,
        version: CONTRASTIVE_MODEL_FORMAT_VERSION,
        name: this.name,
        algorithm: this.algorithm,
        embedding: this.embedding,
        hasPredictor: this.predictor !== null,
        loss,
        hasIndex: saveIndex,
      };
      await writeManifest(tmp, manifest);
    });
  }

  /**
   * A model saved by `save`: its sub-models, algorithm, loss (call compile
   * with an optimizer to train on) and index.
   */
  static async load(dir: string): Promise<ContrastiveModel> {
    const manifest = (await readManifest(dir, CONTRASTIVE_MODEL_FORMAT, [
      CONTRASTIVE_MODEL_FORMAT_VERSION,
    ])) as unknown as ContrastiveManifest;
    const algorithm = checkAlgorithm(manifest.algorithm);
    if (typeof manifest.hasPredictor !== 'boolean' || typeof manifest.hasIndex !== 'boolean') {
      throw new FormatError(`${dir}: the manifest lacks hasPredictor or hasIndex`);
    }
    const backbone = await loadLayersModelFrom(path.join(dir, 'backbone'));
    const projector = await loadLayersModelFrom(path.join(dir, 'projector'));
    const predictor = manifest.hasPredictor ? await loadLayersModelFrom(path.join(dir, 'predictor')) : null;
    const model = new ContrastiveModel({ backbone, projector, predictor, algorithm, name: manifest.name, embedding: manifest.embedding });
    if (manifest.loss) model.loss = deserializeLoss(manifest.loss);
    if (manifest.hasIndex) await model.loadIndex(dir);
    return model;
  }

  /** Frees the sub-models' weights, and the optimizer if compile() made it. */
  dispose(): void {
    this.backbone.dispose();
    this.projector.dispose();
    this.predictor?.dispose();
    if (this.ownsOptimizer) this.optimizer?.dispose();
    if (this.loss && typeof this.loss !== 'function') this.loss.dispose();
    this.optimizer = null;
  }
}
