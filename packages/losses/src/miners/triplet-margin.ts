/**
 * TripletMarginMiner (pytorch-metric-learning): of every triplet (anchor,
 * positive, negative) of the batch, those whose margin `d(a, n) - d(a, p)`
 * (for a similarity, `s(a, p) - s(a, n)`) is at most `margin` ('all'), and
 * also <= 0 ('hard') or > 0 ('semihard'); 'easy' keeps those above `margin`.
 */
import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import type { PairMasks } from '@tfsim/distances';

import { checkChoice, checkNumber, type LabelsInput } from '../inputs';
import { type KeyOptions, type PairBatch, pairBatch } from '../loss';
import { tfc } from '../tf';
import { type MinedTuples, Miner, type MinerConfig, type MinerOptions } from './miner';

export const TYPES_OF_TRIPLETS = ['all', 'hard', 'semihard', 'easy'] as const;
export type TypeOfTriplets = (typeof TYPES_OF_TRIPLETS)[number];

export interface TripletMarginMinerOptions extends MinerOptions {
  /** Default 0.2. */
  margin?: number;
  /** 'all' (default), 'hard', 'semihard' or 'easy'. */
  typeOfTriplets?: TypeOfTriplets;
}

export class TripletMarginMiner extends Miner {
  readonly className = 'TripletMarginMiner';
  readonly margin: number;
  readonly typeOfTriplets: TypeOfTriplets;

  /** Default distance: euclidean on L2-normalised embeddings (PML's LpDistance). */
  constructor(options: TripletMarginMinerOptions = {}) {
    super(options, 'euclidean');
    this.margin = checkNumber(options.margin ?? 0.2, 'margin', this.className);
    this.typeOfTriplets = checkChoice(options.typeOfTriplets ?? 'all', TYPES_OF_TRIPLETS, 'typeOfTriplets', this.className);
  }

  /** Boolean `[nq, nk, nk]`: whether (anchor, positive, negative) is mined. */
  mineTriplets(batch: PairBatch): Tensor3D {
    const tf = tfc();
    const d = this.distances(batch);
    const { positiveMask, negativeMask } = this.labelMasks(batch);
    const [nq, nk] = d.shape;
    const ap = tf.reshape(d, [nq, nk, 1]);
    const an = tf.reshape(d, [nq, 1, nk]);
    const margin = this.distance.isSimilarity ? tf.sub(ap, an) : tf.sub(an, ap);
    let keep;
    if (this.typeOfTriplets === 'easy') keep = tf.greater(margin, this.margin);
    else {
      keep = tf.lessEqual(margin, this.margin);
      if (this.typeOfTriplets === 'hard') keep = tf.logicalAnd(keep, tf.lessEqual(margin, 0));
      if (this.typeOfTriplets === 'semihard') keep = tf.logicalAnd(keep, tf.greater(margin, 0));
    }
    const valid = tf.logicalAnd(tf.reshape(positiveMask, [nq, nk, 1]), tf.reshape(negativeMask, [nq, 1, nk]));
    return tf.logicalAnd(keep, valid) as Tensor3D;
  }

  /** A pair is mined when it belongs to a mined triplet (PML's convert_to_pairs). */
  minePairs(batch: PairBatch): PairMasks {
    const tf = tfc();
    const triplets = this.mineTriplets(batch);
    return { positiveMask: tf.any(triplets, 2) as Tensor2D, negativeMask: tf.any(triplets, 1) as Tensor2D };
  }

  override mine(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions = {}): MinedTuples {
    const tf = tfc();
    const cube = tf.tidy(() => this.mineTriplets(pairBatch(labels, embeddings, options, this.className)));
    const [, nk] = cube.shape;
    const values = cube.dataSync();
    cube.dispose();
    const triplets: [number, number, number][] = [];
    for (let i = 0; i < values.length; i++) {
      if (values[i]) triplets.push([Math.floor(i / (nk * nk)), Math.floor(i / nk) % nk, i % nk]);
    }
    return { triplets };
  }

  override getConfig(): MinerConfig {
    return { ...super.getConfig(), margin: this.margin, typeOfTriplets: this.typeOfTriplets };
  }
}
