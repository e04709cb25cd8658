/**
 * VICReg's loss (Bardes et al., 2022): invariance between the views, a
 * variance floor per feature, and decorrelated features.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

import { offDiagonalSquaredSum } from './barlow';
import type { LossOptions } from './loss';
import { numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { checkViews, SelfSupervisedLoss, selfSupervisedValues } from './self-supervised';
import { tfc } from './tf';

export interface VicRegOptions extends LossOptions {
  /** Added to the variance before its square root. Default 1e-4. */
  stdConst?: number;
  /** Weight of the invariance (mean squared error) term. Default 25 (Python's `lambda_`). */
  lambda?: number;
  /** Weight of the variance term. Default 25. */
  mu?: number;
  /** Weight of the covariance term. Default 1. */
  nu?: number;
}

const RULES = {
  stdConst: numberOption(1e-4, '>=0'),
  lambda: numberOption(25),
  mu: numberOption(25),
  nu: numberOption(1),
} satisfies OptionRulesOf<VicRegOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function compute(za: Tensor2D, zb: Tensor2D, o: Resolved): Tensor1D {
  checkViews(za, zb, 'VicReg', 2);
  const tf = tfc();
  const n = za.shape[0];
  const features = za.shape[1];
  const invariance = tf.mean(tf.square(tf.sub(za, zb)), 1);
  const a = tf.sub(za, tf.mean(za, 0)) as Tensor2D;
  const b = tf.sub(zb, tf.mean(zb, 0)) as Tensor2D;
  const varianceTerm = (z: Tensor2D) => tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(tf.moments(z, 0).variance, o.stdConst)))));
  const variance = tf.add(tf.div(varianceTerm(a), 2), tf.div(varianceTerm(b), 2));
  const covarianceTerm = (z: Tensor2D) => tf.div(offDiagonalSquaredSum(tf.div(tf.matMul(z, z, true, false), n - 1) as Tensor2D), features);
  const covariance = tf.add(covarianceTerm(a), covarianceTerm(b));
  return tf.add(tf.mul(invariance, o.lambda), tf.add(tf.mul(variance, o.mu), tf.mul(covariance, o.nu))) as Tensor1D;
}

/** Per-example VICReg losses `[batch]`: the invariance term per example plus the batch's variance and covariance terms. */
export function vicregLoss(za: Tensor2D, zb: Tensor2D, options: VicRegOptions = {}): Tensor1D {
  return selfSupervisedValues('VicReg', RULES, compute, za, zb, options);
}

/**
 * VICReg: per example `lambda * mean_f (za - zb)^2 + mu * (V(za) + V(zb)) / 2
 * + nu * (C(za) + C(zb))`, with `V(z) = mean_f relu(1 - sqrt(var_f(z) + stdConst))`
 * and `C(z) = sum_{i != j} cov(z)_ij^2 / features`. `call` is the mean over
 * the batch (the Python class defaults to no reduction: these per-example values).
 */
export class VicReg extends SelfSupervisedLoss {
  readonly className = 'VicReg';
  static override readonly optionRules = RULES;
  declare readonly stdConst: number;
  declare readonly lambda: number;
  declare readonly mu: number;
  declare readonly nu: number;

  constructor(options: VicRegOptions = {}) {
    super(options, 'vicreg_loss');
  }

  protected compute(za: Tensor2D, zb: Tensor2D): Tensor1D {
    return compute(za, zb, this);
  }
}
