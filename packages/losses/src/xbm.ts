/**
 * Cross-batch memory (XBM, Wang et al., CVPR 2020): a metric loss computed
 * against the current batch plus the embeddings of recent batches.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Distance } from '@tfsim/distances';
import { type OptionKeys, ValueError } from '@tfsim/utils';

import { checkInteger, type LabelsInput } from './inputs';
import { Loss, type LossConfig, type LossOptions, MetricLoss, type PairBatch, pairBatch } from './loss';
import { tfc } from './tf';

export interface XBMOptions extends LossOptions {
  /** Number of embeddings (current batch included) compared against. */
  memorySize: number;
  /** Calls before the memory starts filling. Default 0. */
  warmupSteps?: number;
}

/**
 * Wraps a metric loss: each call compares the batch with
 * `[batch; memory]` truncated to `memorySize` rows, then (after
 * `warmupSteps` calls) keeps those rows, without gradient, as the memory of
 * the next call. Pair (i, i) of the batch with itself is not a positive.
 * Stateful: `resetMemory()` empties it, `dispose()` frees it.
 */
export class XBM extends MetricLoss {
  readonly className = 'XBM';
  static override readonly optionKeys: OptionKeys<XBMOptions> = { ...Loss.optionKeys, memorySize: true, warmupSteps: true };
  readonly distance: Distance;
  readonly memorySize: number;
  readonly warmupSteps: number;
  private memoryLabels: Tensor1D | null = null;
  private memoryEmbeddings: Tensor2D | null = null;
  private steps = 0;

  constructor(
    readonly loss: MetricLoss,
    options: XBMOptions,
  ) {
    super(options, 'xbm_loss');
    if (!(loss instanceof MetricLoss) || loss instanceof XBM) {
      throw new ValueError('XBM wraps a metric loss over labels and embeddings (TripletLoss, MultiSimilarityLoss, ...)');
    }
    this.distance = loss.distance;
    this.memorySize = checkInteger(options?.memorySize, 'memorySize', this.className, 1);
    this.warmupSteps = checkInteger(options.warmupSteps ?? 0, 'warmupSteps', this.className, 0);
  }

  /** Number of calls so far. */
  get totalSteps(): number {
    return this.steps;
  }

  /** The labels and embeddings in memory (copies; the caller disposes them), or null when empty. */
  memory(): { labels: Tensor1D; embeddings: Tensor2D } | null {
    if (!this.memoryLabels || !this.memoryEmbeddings) return null;
    const tf = tfc();
    return { labels: tf.clone(this.memoryLabels), embeddings: tf.clone(this.memoryEmbeddings) };
  }

  /**
   * One step: the wrapped loss's per-example values `[batch]` against the
   * batch and the memory, then the memory update. Keys are compared with the
   * batch's dimension; a batch of another dimension than the memory is an error.
   */
  computePerExample(batch: PairBatch): Tensor1D {
    const tf = tfc();
    const labels = tf.cast(batch.queryLabels, 'float32') as Tensor1D;
    let keyLabels = labels;
    let keyEmbeddings = batch.queryEmbeddings;
    if (this.memoryLabels && this.memoryEmbeddings) {
      if (this.memoryEmbeddings.shape[1] !== keyEmbeddings.shape[1]) {
        throw new ValueError(
          `XBM: embeddings have dimension ${keyEmbeddings.shape[1]} but the memory holds dimension ${this.memoryEmbeddings.shape[1]}`,
        );
      }
      keyLabels = tf.concat([labels, this.memoryLabels]);
      keyEmbeddings = tf.concat([keyEmbeddings, this.memoryEmbeddings]);
    }
    const keep = Math.min(this.memorySize, keyLabels.shape[0]);
    keyLabels = tf.slice(keyLabels, 0, keep);
    keyEmbeddings = tf.slice(keyEmbeddings, [0, 0], [keep, -1]);
    this.steps += 1;
    const values = this.loss.computePerExample({
      queryLabels: labels,
      queryEmbeddings: batch.queryEmbeddings,
      keyLabels,
      keyEmbeddings,
      removeDiagonal: true,
    });
    if (this.steps > this.warmupSteps) {
      // Kept out of the enclosing tidy scope; the memory is data, not part of
      // any later step's gradient.
      const oldLabels = this.memoryLabels;
      const oldEmbeddings = this.memoryEmbeddings;
      this.memoryLabels = tf.keep(tf.clone(keyLabels));
      this.memoryEmbeddings = tf.keep(tf.clone(keyEmbeddings));
      oldLabels?.dispose();
      oldEmbeddings?.dispose();
    }
    return values;
  }

  override call(labels: Tensor | LabelsInput, embeddings: Tensor): Tensor {
    return tfc().tidy(() =>
      this.applyReduction(this.computePerExample(pairBatch(labels, embeddings as Tensor2D, {}, this.className)), (v) =>
        this.reduce(v as Tensor1D),
      ),
    );
  }

  /** Empties the memory and restarts the warm-up count. */
  resetMemory(): void {
    this.memoryLabels?.dispose();
    this.memoryEmbeddings?.dispose();
    this.memoryLabels = null;
    this.memoryEmbeddings = null;
    this.steps = 0;
  }

  override dispose(): void {
    this.resetMemory();
    this.loss.dispose();
  }

  override getConfig(): LossConfig {
    return {
      ...this.commonConfig(),
      loss: { className: this.loss.className, config: this.loss.getConfig() },
      memorySize: this.memorySize,
      warmupSteps: this.warmupSteps,
    };
  }
}
