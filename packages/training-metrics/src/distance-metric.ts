import * as tf from '@tensorflow/tfjs-core';
import { buildMasks, type Distance, type DistanceIdentifier, getDistance, maskedMax, maskedMin } from '@tfsim/distances';
import { checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import { labelVector } from './labels';

export type Aggregate = 'mean' | 'avg' | 'max' | 'min' | 'sum';
export type Anchor = 'positive' | 'negative';
export type PositiveMiningStrategy = 'hard' | 'semi-hard' | 'easy';
export type NegativeMiningStrategy = 'hard' | 'easy';

/** A tfjs-layers metric: `model.compile({ metrics: [metric.metricFunction] })`; its `name` names the log entry. */
export type LayersMetricFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

export interface DistanceMetricOptions {
  /** How the per-example distances of a batch are reduced: `'mean'` (default; `'avg'` is the same), `'max'`, `'min'`, `'sum'`. */
  aggregate?: Aggregate;
  /** Track the distances to positives (default) or to negatives. */
  anchor?: Anchor;
  /** Name in the logs; default `<aggregate>_<first 3 letters of anchor>`: `mean_pos`, `max_neg`, ... */
  name?: string;
  /** Per example, the farthest positive (`'hard'`, default) or the closest (`'semi-hard'`, `'easy'`). */
  positiveMiningStrategy?: PositiveMiningStrategy;
  /** Per example, the closest negative (`'hard'`, default) or the farthest (`'easy'`). */
  negativeMiningStrategy?: NegativeMiningStrategy;
}

export interface DistanceMetricConfig {
  className: 'DistanceMetric';
  name: string;
  distance: string;
  aggregate: Aggregate;
  anchor: Anchor;
  positiveMiningStrategy: PositiveMiningStrategy;
  negativeMiningStrategy: NegativeMiningStrategy;
}

export interface DistanceGapMetricConfig {
  className: 'DistanceGapMetric';
  name: string;
  distance: string;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (!allowed.includes(value as T)) {
    throw new ValueError(`${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function checkEmbeddings(embeddings: tf.Tensor, metric: string): tf.Tensor2D {
  if (embeddings.rank !== 2) {
    throw new ShapeError(`${metric}: embeddings must have shape [batch, dim], got [${embeddings.shape.join(', ')}]`);
  }
  return embeddings as tf.Tensor2D;
}

/** A function with a given `name`, as tfjs-layers names a metric's log entry after its function. */
function named(fn: LayersMetricFunction, name: string): LayersMetricFunction {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}

/**
 * Keras-style state shared by the metrics: like the Python classes, the
 * state is the value of the last batch (each update replaces it; it is not
 * a running mean), 0 before any update.
 */
abstract class BatchMetric {
  readonly name: string;
  /** For `model.compile({ metrics: [...] })`: `(yTrue, yPred) => scalar`, named after the metric. */
  readonly metricFunction: LayersMetricFunction;
  private last: tf.Scalar | undefined;

  constructor(name: string) {
    this.name = name;
    this.metricFunction = named((yTrue, yPred) => this.compute(yTrue, yPred), name);
  }

  /** The metric of one batch: a new scalar tensor (the caller disposes it). */
  abstract compute(labels: tf.Tensor | ArrayLike<number>, embeddings: tf.Tensor): tf.Scalar;

  /** Computes the batch's value and keeps it as the result (Keras' `update_state`). */
  updateState(labels: tf.Tensor | ArrayLike<number>, embeddings: tf.Tensor): void {
    const value = tf.keep(this.compute(labels, embeddings));
    this.last?.dispose();
    this.last = value;
  }

  /** The value of the last batch given to updateState (0 before any). */
  result(): number {
    return this.last ? this.last.dataSync()[0]! : 0;
  }

  /** Back to 0. */
  resetState(): void {
    this.last?.dispose();
    this.last = undefined;
  }

  /** Frees the kept value. */
  dispose(): void {
    this.resetState();
  }
}

/**
 * Tracks how the distances within a batch evolve during training, as the
 * Python library's `DistanceMetric`: for each example, the distance to its
 * hardest (or easiest) positive or negative in the batch, reduced over the
 * batch by `aggregate`. Pairs come from the batch's labels; an example is not
 * its own positive.
 */
export class DistanceMetric extends BatchMetric {
  static readonly optionKeys: OptionKeys<DistanceMetricOptions> = {
    aggregate: true,
    anchor: true,
    name: true,
    positiveMiningStrategy: true,
    negativeMiningStrategy: true,
  };
  readonly distance: Distance;
  readonly aggregate: Aggregate;
  readonly anchor: Anchor;
  readonly positiveMiningStrategy: PositiveMiningStrategy;
  readonly negativeMiningStrategy: NegativeMiningStrategy;

  constructor(distance: DistanceIdentifier, options: DistanceMetricOptions = {}) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    const aggregate = oneOf(options.aggregate ?? 'mean', ['mean', 'avg', 'max', 'min', 'sum'] as const, 'DistanceMetric: aggregate');
    const anchor = oneOf(options.anchor ?? 'positive', ['positive', 'negative'] as const, 'DistanceMetric: anchor');
    super(options.name || `${aggregate}_${anchor.slice(0, 3)}`);
    this.distance = getDistance(distance);
    this.aggregate = aggregate;
    this.anchor = anchor;
    this.positiveMiningStrategy = oneOf(
      options.positiveMiningStrategy ?? 'hard',
      ['hard', 'semi-hard', 'easy'] as const,
      'DistanceMetric: positiveMiningStrategy',
    );
    this.negativeMiningStrategy = oneOf(
      options.negativeMiningStrategy ?? 'hard',
      ['hard', 'easy'] as const,
      'DistanceMetric: negativeMiningStrategy',
    );
  }

  /** The per-example mined distances of a batch, `[batch, 1]` (before aggregation). */
  minedDistances(labels: tf.Tensor | ArrayLike<number>, embeddings: tf.Tensor): tf.Tensor2D {
    const x = checkEmbeddings(embeddings, this.name);
    return tf.tidy(() => {
      const rows = x.shape[0];
      const y = labelVector(labels, rows, this.name);
      const pairwise = this.distance.call(x, x);
      const { positiveMask, negativeMask } = buildMasks(y, y, rows);
      if (this.anchor === 'positive') {
        // 'semi-hard' and 'easy' both take the closest positive, as in Python.
        return this.positiveMiningStrategy === 'hard' ? maskedMax(pairwise, positiveMask).values : maskedMin(pairwise, positiveMask).values;
      }
      return this.negativeMiningStrategy === 'hard' ? maskedMin(pairwise, negativeMask).values : maskedMax(pairwise, negativeMask).values;
    });
  }

  compute(labels: tf.Tensor | ArrayLike<number>, embeddings: tf.Tensor): tf.Scalar {
    return tf.tidy(() => {
      const mined = this.minedDistances(labels, embeddings);
      switch (this.aggregate) {
        case 'max':
          return tf.max(mined);
        case 'min':
          return tf.min(mined);
        case 'sum':
          return tf.sum(mined);
        default:
          return tf.mean(mined);
      }
    }) as tf.Scalar;
  }

  getConfig(): DistanceMetricConfig {
    return {
      className: 'DistanceMetric',
      name: this.name,
      distance: this.distance.name,
      aggregate: this.aggregate,
      anchor: this.anchor,
      positiveMiningStrategy: this.positiveMiningStrategy,
      negativeMiningStrategy: this.negativeMiningStrategy,
    };
  }

  /** From `getConfig()`, with or without its `className`. */
  static fromConfig(config: Omit<DistanceMetricConfig, 'className'> & { className?: string }): DistanceMetric {
    const { distance, className: _className, ...options } = config;
    return new DistanceMetric(distance, options);
  }
}

/**
 * The gap between the closest negative and the farthest positive of a batch,
 * `|min_neg - max_pos|`, as the Python library's `DistanceGapMetric`
 * (`dist_gap`): how far apart the classes are at the hardest pairs.
 */
export class DistanceGapMetric extends BatchMetric {
  static readonly optionKeys: OptionKeys<{ name?: string }> = { name: true };
  readonly distance: Distance;
  private readonly maxPos: DistanceMetric;
  private readonly minNeg: DistanceMetric;

  constructor(distance: DistanceIdentifier, options: { name?: string } = {}) {
    super(options.name || 'dist_gap');
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.distance = getDistance(distance);
    this.maxPos = new DistanceMetric(this.distance, { aggregate: 'max' });
    this.minNeg = new DistanceMetric(this.distance, { aggregate: 'min', anchor: 'negative' });
  }

  compute(labels: tf.Tensor | ArrayLike<number>, embeddings: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.abs(tf.sub(this.minNeg.compute(labels, embeddings), this.maxPos.compute(labels, embeddings)))) as tf.Scalar;
  }

  getConfig(): DistanceGapMetricConfig {
    return { className: 'DistanceGapMetric', name: this.name, distance: this.distance.name };
  }

  static fromConfig(config: Omit<DistanceGapMetricConfig, 'className'>): DistanceGapMetric {
    return new DistanceGapMetric(config.distance, { name: config.name });
  }
}
