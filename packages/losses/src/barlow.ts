/**
 * Barlow Twins' loss (Zbontar et al., 2021): the cross-correlation of the two
 * views' standardised features should be the identity.
 */
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { withoutGradient } from '@tfsim/distances';

import type { LossOptions } from './loss';
import { numberOption, type OptionRulesOf } from './option-rules';
import { checkViews, SelfSupervisedLoss, selfSupervisedValues } from './self-supervised';
import { diagPart, tfc } from './tf';

export interface BarlowOptions extends LossOptions {
  /** Weight of the off-diagonal (redundancy) terms. Default 5e-3 (Python's `lambda_`). */
  lambda?: number;
  /** Added to the loss. Default 1e-12. */
  margin?: number;
}

/** Columns to zero mean and unit (population) standard deviation; a constant column becomes 0. */
function standardizeColumns(x: Tensor2D): Tensor2D {
  const tf = tfc();
  const { mean, variance } = tf.moments(x, 0);
  // divide_no_nan, with a finite gradient: where the variance is 0 the sqrt
  // is taken of 1 instead (its slope at 0 is infinite, and infinity times the
  // 0 of the mask is NaN), and the column is 0.
  const constant = withoutGradient(() => tf.cast(tf.equal(variance, 0), 'float32'));
  const std = tf.sqrt(tf.add(variance, constant));
  return tf.mul(tf.div(tf.sub(x, mean), std), tf.sub(1, constant)) as Tensor2D;
}

/** Sum of squared off-diagonal entries of a square matrix. */
export function offDiagonalSquaredSum(c: Tensor2D): Scalar {
  const tf = tfc();
  const offDiagonal = tf.sub(1, tf.eye(c.shape[0]));
  return tf.sum(tf.mul(tf.square(c), offDiagonal));
}

function compute(za: Tensor2D, zb: Tensor2D, { lambda, margin }: { lambda: number; margin: number }): Scalar {
  checkViews(za, zb, 'Barlow');
  const tf = tfc();
  const n = za.shape[0];
  const c = tf.div(tf.matMul(standardizeColumns(za), standardizeColumns(zb), true, false), n) as Tensor2D;
  const onDiagonal = tf.sum(tf.square(tf.sub(1, diagPart(c))));
  return tf.add(tf.add(tf.mul(offDiagonalSquaredSum(c), lambda), onDiagonal), margin) as Scalar;
}

const RULES = { lambda: numberOption(5e-3), margin: numberOption(1e-12) } satisfies OptionRulesOf<BarlowOptions>;

/** The Barlow Twins loss of a batch, a scalar (there are no per-example values). */
export function barlowLoss(za: Tensor2D, zb: Tensor2D, options: BarlowOptions = {}): Scalar {
  return selfSupervisedValues('Barlow', RULES, compute, za, zb, options);
}

/**
 * Barlow Twins: with C the cross-correlation of the column-standardised
 * views (`za^T zb / n`), `sum_i (1 - C_ii)^2 + lambda * sum_{i != j} C_ij^2 + margin`.
 */
export class Barlow extends SelfSupervisedLoss {
  readonly className = 'Barlow';
  static override readonly optionRules = RULES;
  declare readonly lambda: number;
  declare readonly margin: number;

  constructor(options: BarlowOptions = {}) {
    super(options, 'barlow');
  }

  protected compute(za: Tensor2D, zb: Tensor2D): Tensor {
    return compute(za, zb, this);
  }
}
