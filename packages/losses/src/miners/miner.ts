/**
 * What every miner shares (pytorch-metric-learning's miners as objects): it
 * looks at a batch, with its own distance, and picks the pairs a loss should
 * learn from. `minePairs` gives them as boolean masks over (query, key) for a
 * loss (see MinedLoss); `mine` gives PML's index tuples as plain arrays.
 */
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { buildMasks, type Distance, type DistanceIdentifier, getDistance, type PairMasks } from '@tfsim/distances';
import { ValueError } from '@tfsim/utils';

import { checkEmbeddings, type LabelsInput } from '../inputs';
import { type KeyOptions, type PairBatch, pairBatch } from '../loss';
import { l2Normalize, tfc } from '../tf';

export interface MinerOptions {
  /**
   * The miner's own distance (a tfsim distance name or object; a similarity
   * such as 'inner_product' ranks larger as closer, as PML's inverted
   * distances). Default: each miner's PML default.
   */
  distance?: DistanceIdentifier;
  /** L2-normalise the embeddings before measuring them (PML's `normalize_embeddings`). Default true. */
  normalizeEmbeddings?: boolean;
}

/** A JSON-safe description of a miner; `getMiner(className, config)` recreates it. */
export interface MinerConfig {
  distance: string;
  normalizeEmbeddings: boolean;
  [key: string]: unknown;
}

/** PML's mining output: triplets `[a, p, n]`, or positive `[a, p]` and negative `[a, n]` pairs; indices into queries and keys. */
export type MinedTuples = { triplets: [number, number, number][] } | { positive: [number, number][]; negative: [number, number][] };

export abstract class Miner {
  abstract readonly className: string;
  readonly distance: Distance;
  readonly normalizeEmbeddings: boolean;

  constructor(options: MinerOptions, defaultDistance: DistanceIdentifier) {
    this.distance = getDistance(options.distance ?? defaultDistance);
    this.normalizeEmbeddings = options.normalizeEmbeddings ?? true;
    if (typeof this.normalizeEmbeddings !== 'boolean') {
      throw new ValueError(`${new.target.name}: normalizeEmbeddings must be a boolean, got ${String(options.normalizeEmbeddings)}`);
    }
  }

  /**
   * Boolean masks `[nq, nk]` of the mined positive and negative pairs (inside
   * a tidy scope; no gradient flows through them).
   */
  abstract minePairs(batch: PairBatch): PairMasks;

  /** The mined index tuples, as PML's `miner(embeddings, labels[, ref_emb, ref_labels])` returns them (sorted). */
  mine(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions = {}): MinedTuples {
    const tf = tfc();
    const [positive, negative] = tf.tidy(() => {
      const masks = this.minePairs(pairBatch(labels, embeddings, options, this.className));
      return [masks.positiveMask, masks.negativeMask];
    });
    const result = { positive: trueEntries(positive), negative: trueEntries(negative) };
    tf.dispose([positive, negative]);
    return result;
  }

  getConfig(): MinerConfig {
    return { distance: this.distance.name, normalizeEmbeddings: this.normalizeEmbeddings };
  }

  toString(): string {
    return `${this.className}(${JSON.stringify(this.getConfig())})`;
  }

  /** The miner's distances between queries and keys `[nq, nk]` (new tensors: call inside tidy). */
  protected distances(batch: PairBatch): Tensor2D {
    checkEmbeddings(batch.queryEmbeddings, 'embeddings', this.className);
    const q = this.normalizeEmbeddings ? l2Normalize(batch.queryEmbeddings) : batch.queryEmbeddings;
    const k = this.normalizeEmbeddings ? l2Normalize(batch.keyEmbeddings) : batch.keyEmbeddings;
    return this.distance.call(q, k);
  }

  /** Same-class (positive) and other-class (negative) pairs of the batch. */
  protected labelMasks(batch: PairBatch): PairMasks {
    return buildMasks(batch.queryLabels, batch.keyLabels, undefined, batch.removeDiagonal);
  }
}

/** `[row, column]` of every true entry of a boolean matrix, row-major (so sorted). Reads it back once. */
export function trueEntries(mask: Tensor2D): [number, number][] {
  const cols = mask.shape[1];
  const values = mask.dataSync();
  const out: [number, number][] = [];
  for (let i = 0; i < values.length; i++) if (values[i]) out.push([Math.floor(i / cols), i % cols]);
  return out;
}
