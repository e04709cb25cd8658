/**
 * MultipleLosses (pytorch-metric-learning): a weighted sum of losses over the
 * same labels and embeddings, each optionally fed by its own miner, e.g.
 * `new MultipleLosses([new TripletLoss(), new ArcFaceLoss({...})], { weights: [1, 0.5] })`.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Distance } from '@tfsim/distances';
import type { OptionKeys } from '@tfsim/utils';
import { ValueError } from '@tfsim/utils';

import { ClassWeightsLoss } from './class-weights';
import type { LabelsInput } from './inputs';
import { type KeyOptions, labelColumnFromLayers, Loss, type LossConfig, type LossOptions, MetricLoss } from './loss';
import { MinedLoss, type Miner } from './miners';
import { tfc } from './tf';

/** Losses over labels and embeddings: what MultipleLosses adds up. */
export type LabelLoss = MetricLoss | ClassWeightsLoss;

export interface MultipleLossesOptions extends LossOptions {
  /** One weight per loss (an array, or an object keyed as the losses). Default: 1 each. */
  weights?: number[] | Record<string, number>;
  /** One miner (or null) per loss, keyed as the losses. Default: none. */
  miners?: (Miner | null)[] | Record<string, Miner | null>;
}

function keyedValues<T>(values: T[] | Record<string, T> | undefined, keys: string[], keyed: boolean, what: string): (T | undefined)[] {
  if (values === undefined) return keys.map(() => undefined);
  if (Array.isArray(values) !== !keyed) {
    throw new ValueError(`MultipleLosses: ${what} must be ${keyed ? 'an object keyed as the losses' : 'an array, one per loss'}`);
  }
  if (Array.isArray(values)) {
    if (values.length !== keys.length) {
      throw new ValueError(`MultipleLosses: ${values.length} ${what} for ${keys.length} losses`);
    }
    return values;
  }
  const unknown = Object.keys(values).filter((k) => !keys.includes(k));
  if (unknown.length > 0)
    throw new ValueError(`MultipleLosses: ${what} for unknown losses ${unknown.join(', ')}; losses are ${keys.join(', ')}`);
  return keys.map((k) => values[k]);
}

export class MultipleLosses extends Loss {
  static override readonly optionKeys: OptionKeys<MultipleLossesOptions> = { ...Loss.optionKeys, weights: true, miners: true };
  readonly className = 'MultipleLosses';
  /** The losses as given (array or object), without their miners. */
  readonly losses: LabelLoss[] | Record<string, LabelLoss>;
  readonly keys: string[];
  readonly weights: number[];
  readonly miners: (Miner | null)[];
  /** The distance to index with: the first loss's. */
  readonly distance: Distance;
  private readonly terms: LabelLoss[];

  constructor(losses: LabelLoss[] | Record<string, LabelLoss>, options: MultipleLossesOptions = {}) {
    super(options, 'multiple_losses');
    // Each term reduces its own batch (PML's MultipleLosses has no reduction of its own).
    if (this.reduction !== 'auto')
      throw new ValueError(`MultipleLosses: set the reduction on each loss, not "${this.reduction}" on the sum`);
    if (typeof losses !== 'object' || losses === null) throw new ValueError('MultipleLosses takes an array or an object of losses');
    const keyed = !Array.isArray(losses);
    const entries = keyed ? Object.entries(losses) : (losses as LabelLoss[]).map((l, i) => [String(i), l] as const);
    if (entries.length === 0) throw new ValueError('MultipleLosses needs at least one loss');
    for (const [key, loss] of entries as [string, unknown][]) {
      if (!(loss instanceof MetricLoss || loss instanceof ClassWeightsLoss)) {
        const what = loss instanceof Loss ? loss.className : String(loss);
        throw new ValueError(`MultipleLosses: loss ${key} (${what}) is not a loss over labels and embeddings`);
      }
    }
    this.losses = losses;
    this.keys = entries.map(([k]) => k);
    this.weights = keyedValues(options.weights, this.keys, keyed, 'weights').map((w, i) => {
      const weight = w ?? 1;
      if (typeof weight !== 'number' || !Number.isFinite(weight)) {
        throw new ValueError(`MultipleLosses: weight of loss ${this.keys[i]} must be a finite number, got ${String(weight)}`);
      }
      return weight;
    });
    this.miners = keyedValues(options.miners, this.keys, keyed, 'miners').map((m) => m ?? null);
    this.terms = entries.map(([key, loss], i) => {
      const miner = this.miners[i];
      if (!miner) return loss;
      if (!(loss instanceof MetricLoss)) throw new ValueError(`MultipleLosses: loss ${key} (${loss.className}) does not take a miner`);
      return new MinedLoss(loss, miner);
    });
    this.distance = entries[0]![1].distance;
    for (const term of this.terms) this.trainableWeights.push(...term.trainableWeights);
  }

  protected override labelsFromLayers(yTrue: Tensor): Tensor {
    return labelColumnFromLayers(yTrue);
  }

  /** `sum_i weights[i] * loss_i(labels, embeddings)`. */
  call(labels: Tensor | LabelsInput, embeddings: Tensor): Scalar {
    const tf = tfc();
    return tf.tidy(() => tf.addN(this.terms.map((term, i) => tf.mul(term.call(labels, embeddings), this.weights[i]!))) as Scalar);
  }

  /** The weighted sum of the per-example losses, when every loss is a metric loss. */
  perExample(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions = {}): Tensor1D {
    const tf = tfc();
    return tf.tidy(
      () =>
        tf.addN(
          this.terms.map((term, i) => {
            if (!(term instanceof MetricLoss)) {
              throw new ValueError(`MultipleLosses.perExample: ${term.className} has no per-example form; use call()`);
            }
            return tf.mul(term.perExample(labels, embeddings, options), this.weights[i]!);
          }),
        ) as Tensor1D,
    );
  }

  override getConfig(): LossConfig {
    const serialized = (loss: Loss | Miner) => ({ className: loss.className, config: loss.getConfig() });
    const keyed = !Array.isArray(this.losses);
    const pick = <T>(values: T[]) => (keyed ? Object.fromEntries(this.keys.map((k, i) => [k, values[i]])) : values);
    const originals = keyed ? Object.values(this.losses) : (this.losses as LabelLoss[]);
    return {
      ...this.commonConfig(),
      losses: pick(originals.map(serialized)),
      weights: pick(this.weights),
      miners: pick(this.miners.map((m) => (m ? serialized(m) : null))),
    };
  }

  override dispose(): void {
    for (const term of this.terms) term.dispose();
  }
}
