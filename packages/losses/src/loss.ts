/**
 * What every loss shares: a name, its distance, a JSON config, the Keras-style
 * `call(yTrue, yPred)` reduced to a scalar, and a plain function for
 * tfjs-layers' `model.compile({ loss })`.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { buildMasks, type Distance, type PairMasks } from '@tfsim/distances';
import { checkOptions, type OptionKeys, ValueError } from '@tfsim/utils';

import { checkChoice, checkEmbeddings, type LabelsInput, toLabelVector } from './inputs';
import { type OptionRules, type ResolvedOptions, resolveOptions, ruleKeys, rulesConfig } from './option-rules';
import { tfc } from './tf';

/** A JSON-safe description of a loss; `getLoss(className, config)` recreates it. */
export interface LossConfig {
  name: string;
  [key: string]: unknown;
}

/** The saved form of a loss: `{ className, config }`. */
export interface SerializedLoss {
  className: string;
  config: LossConfig;
}

/**
 * How `call` reduces per-example losses, as Keras' `Reduction`: 'auto' and
 * 'sum_over_batch_size' the mean, 'sum' the sum, 'none' the per-example
 * values `[batch]` (a loss over the whole batch, as Barlow's, stays a scalar).
 */
export type Reduction = 'auto' | 'sum_over_batch_size' | 'sum' | 'none';
export const REDUCTIONS: readonly Reduction[] = ['auto', 'sum_over_batch_size', 'sum', 'none'];

/** The options every loss takes. */
export interface LossOptions {
  /** Default: the Python default name of the loss (`triplet_loss`, ...). */
  name?: string;
  /** Default 'auto' (the mean), as Keras. */
  reduction?: Reduction;
}

/** A loss function in the form tfjs-layers' `model.compile({ loss })` takes. */
export type LayersLossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** Base of every `@tfsim` loss. */
export abstract class Loss {
  /**
   * The option keys the constructor accepts besides those of `optionRules`;
   * any other key is an error that suggests the closest. A subclass with
   * options it resolves itself declares
   * `static override readonly optionKeys: OptionKeys<ItsOptions> = { ...Parent.optionKeys, ... }`,
   * which the compiler checks against its options type.
   */
  static readonly optionKeys: OptionKeys<LossOptions> = { name: true, reduction: true };
  /**
   * The loss's own options as rules (see option-rules.ts): the constructor
   * accepts their keys, resolves them onto the loss (the subclass declares
   * the fields: `declare readonly margin: number`) and getConfig writes them.
   * A subclass declares `static override readonly optionRules = { ...Parent.optionRules, ... }
   * satisfies OptionRulesOf<ItsOptions>`, which the compiler checks against its options type.
   */
  static readonly optionRules: OptionRules = {};
  readonly name: string;
  readonly reduction: Reduction;
  /** The class name used to save and recreate it: `TripletLoss`, `SimCLRLoss`, ... */
  abstract readonly className: string;
  /**
   * The distance to index embeddings trained with this loss; a model compiled
   * with distance 'auto' takes it from here.
   */
  abstract readonly distance: Distance;
  /** Variables the loss owns and training must update (class centres, proxies); empty for most. */
  readonly trainableWeights: Variable[] = [];
  /**
   * `(yTrue, yPred) => call(yTrue, yPred)`, bound to this loss, for
   * `model.compile({ optimizer, loss: loss.lossFunction })`. tfjs-layers
   * requires targets shaped like the model's output, so for losses over
   * labels, `yTrue` may be `[batch, dim]` with each label repeated across
   * the row (`tf.tile(labels, [1, dim])`): column 0 is read.
   */
  readonly lossFunction: LayersLossFunction;

  /**
   * `options` are the subclass's whole options object, checked against the
   * `optionKeys` of the class being built (a bare string is taken as the name,
   * unchecked, for losses written before options were checked).
   */
  constructor(options: LossOptions | string | undefined, defaultName: string) {
    if (typeof options === 'string') options = { name: options };
    const rules = new.target.optionRules;
    checkOptions(options, { ...new.target.optionKeys, ...ruleKeys(rules) }, new.target.name);
    this.name = options?.name ?? defaultName;
    this.reduction = checkChoice(options?.reduction ?? 'auto', REDUCTIONS, 'reduction', new.target.name);
    Object.assign(this, resolveOptions(rules, options, new.target.name));
    this.lossFunction = (yTrue: Tensor, yPred: Tensor) => {
      const tf = tfc();
      return tf.tidy(() => this.call(this.labelsFromLayers(yTrue), yPred));
    };
  }

  /** What `lossFunction` passes on as `yTrue`; losses over labels take column 0 of a `[batch, dim]` target. */
  protected labelsFromLayers(yTrue: Tensor): Tensor {
    return yTrue;
  }

  /** The loss of a batch, reduced by `reduction`: a scalar, or `[batch]` for 'none'. */
  abstract call(yTrue: Tensor | LabelsInput, yPred: Tensor): Tensor;

  /** The common entries and the options of `optionRules`; a loss with more state adds it. */
  getConfig(): LossConfig {
    return { ...this.commonConfig(), ...rulesConfig((this.constructor as typeof Loss).optionRules, this) };
  }

  /** Applies `reduction` to per-example values; `mean` is the loss's own 'auto' (the mean unless stated). */
  protected applyReduction(values: Tensor, mean: (values: Tensor) => Scalar = (v) => tfc().mean(v)): Tensor {
    if (values.rank === 0 || this.reduction === 'none') return values;
    return this.reduction === 'sum' ? tfc().sum(values) : mean(values);
  }

  /** The config entries every loss shares: its name, and its reduction unless the default. */
  protected commonConfig(): LossConfig {
    return { name: this.name, ...(this.reduction === 'auto' ? {} : { reduction: this.reduction }) };
  }

  /** Frees the variables or state the loss holds (no-op for most). */
  dispose(): void {}

  toString(): string {
    return `${this.className}(${JSON.stringify(this.getConfig())})`;
  }
}

/** Labels and embeddings of the queries and of the keys they are compared with. */
export interface PairBatch {
  queryLabels: Tensor1D;
  queryEmbeddings: Tensor2D;
  keyLabels: Tensor1D;
  keyEmbeddings: Tensor2D;
  /** Whether pair (i, i) is excluded from the positives (queries are the first keys). */
  removeDiagonal: boolean;
  /** Pairs a miner picked (see MinedLoss): the loss then sees only these. */
  mined?: PairMasks;
}

/** The batch's positive and negative pairs, narrowed to the mined ones when a miner picked some. */
export function batchMasks(batch: PairBatch): PairMasks {
  const masks = buildMasks(batch.queryLabels, batch.keyLabels, undefined, batch.removeDiagonal);
  if (batch.mined === undefined) return masks;
  const tf = tfc();
  return {
    positiveMask: tf.logicalAnd(masks.positiveMask, batch.mined.positiveMask) as Tensor2D,
    negativeMask: tf.logicalAnd(masks.negativeMask, batch.mined.negativeMask) as Tensor2D,
  };
}

/** Keys other than the batch itself (as XBM's memory), for the functional forms. */
export interface KeyOptions {
  /** Key labels; default: the batch labels. */
  keyLabels?: LabelsInput;
  /** Key embeddings; default: the batch embeddings. */
  keyEmbeddings?: Tensor2D;
  /** Exclude pair (i, i) from the positives. Default true (queries are the first keys). */
  removeDiagonal?: boolean;
}

/** Checks and normalises a batch; call inside a tidy scope (labels may be new tensors). */
export function pairBatch(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions, loss: string): PairBatch {
  checkEmbeddings(embeddings, 'embeddings', loss);
  const rows = embeddings.shape[0];
  const queryLabels = toLabelVector(labels, rows, 'labels', loss);
  let keyEmbeddings = embeddings;
  let keyLabels = queryLabels;
  if (options.keyEmbeddings !== undefined || options.keyLabels !== undefined) {
    if (options.keyEmbeddings === undefined || options.keyLabels === undefined) {
      throw new ValueError(`${loss}: keyLabels and keyEmbeddings go together; got only one of them`);
    }
    checkEmbeddings(options.keyEmbeddings, 'keyEmbeddings', loss);
    if (options.keyEmbeddings.shape[1] !== embeddings.shape[1]) {
      throw new ValueError(
        `${loss}: keyEmbeddings have dimension ${options.keyEmbeddings.shape[1]} but embeddings have ${embeddings.shape[1]}`,
      );
    }
    keyEmbeddings = options.keyEmbeddings;
    keyLabels = toLabelVector(options.keyLabels, keyEmbeddings.shape[0], 'keyLabels', loss);
  }
  return { queryLabels, queryEmbeddings: embeddings, keyLabels, keyEmbeddings, removeDiagonal: options.removeDiagonal ?? true };
}

/**
 * The functional form of a metric loss (`tripletLoss(labels, embeddings,
 * options)`): its options resolved by `rules`, then `perExample` on the
 * checked batch, in a tidy scope.
 */
export function metricLossValues<Rules extends OptionRules>(
  loss: string,
  rules: Rules,
  perExample: (batch: PairBatch, options: ResolvedOptions<Rules>) => Tensor1D,
  labels: LabelsInput,
  embeddings: Tensor2D,
  options: KeyOptions,
): Tensor1D {
  const resolved = resolveOptions(rules, options, loss);
  return tfc().tidy(() => perExample(pairBatch(labels, embeddings, options, loss), resolved));
}

/** Column 0 of a `[batch, dim]` target (labels repeated to the output's shape for tfjs-layers). */
export function labelColumnFromLayers(yTrue: Tensor): Tensor {
  if (yTrue.rank === 2 && yTrue.shape[1]! > 1) return tfc().slice(yTrue, [0, 0], [-1, 1]);
  return yTrue;
}

/**
 * Base of the losses over labelled embeddings (triplet, multi-similarity,
 * ...): a per-example form over queries and keys, reduced by the mean.
 */
export abstract class MetricLoss extends Loss {
  protected override labelsFromLayers(yTrue: Tensor): Tensor {
    return labelColumnFromLayers(yTrue);
  }

  /** Per-example losses `[nq]` of the queries against the keys (inside a tidy scope, inputs checked). */
  abstract computePerExample(batch: PairBatch): Tensor1D;

  /** The per-example losses `[batch]` (the Python loss function's values). */
  perExample(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions = {}): Tensor1D {
    return tfc().tidy(() => this.computePerExample(pairBatch(labels, embeddings, options, this.className)));
  }

  /** How per-example losses become the batch loss: the mean (Keras' sum_over_batch_size). */
  protected reduce(perExample: Tensor1D): Scalar {
    return tfc().mean(perExample);
  }

  call(labels: Tensor | LabelsInput, embeddings: Tensor): Tensor {
    return tfc().tidy(() =>
      this.applyReduction(this.computePerExample(pairBatch(labels, embeddings as Tensor2D, {}, this.className)), (v) =>
        this.reduce(v as Tensor1D),
      ),
    );
  }
}
