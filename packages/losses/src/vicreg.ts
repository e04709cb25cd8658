/**
 * VICReg's loss (Bardes et al., 2022): invariance between the views, a
 * variance floor per feature, and decorrelated features.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { OptionKeys } from '@tfsim/utils';

import { offDiagonalSquaredSum } from './barlow';
import { checkNumber } from './inputs';
import { Loss, type LossConfig, type LossOptions } from './loss';
import { checkViews, SelfSupervisedLoss } from './self-supervised';
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

interface Resolved {
  stdConst: number;
  lambda: number;
  mu: number;
  nu: number;
}

function resolve(options: VicRegOptions, loss: string): Resolved {
  return {
    stdConst: checkNumber(options.stdConst ?? 1e-4, 'stdConst', loss, '>=0'),
    lambda: checkNumber(options.lambda ?? 25, 'lambda', loss),
    mu: checkNumber(options.mu ?? 25, 'mu', loss),
    nu: checkNumber(options.nu ?? 1, 'nu', loss),
  };
}

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
  const o = resolve(options, 'VicReg');
  return tfc().tidy(() => compute(za, zb, o));
}

/**
 * VICReg: per example `lambda * mean_f (za - zb)^2 + mu * (V(za) + V(zb)) / 2
 * + nu * (C(za) + C(zb))`, with `V(z) = mean_f relu(1 - sqrt(var_f(z) + stdConst))`
 * and `C(z) = sum_{i != j} cov(z)_ij^2 / features`. `call` is the mean over
 * the batch (the Python class defaults to no reduction: these per-example values).
 */
export class VicReg extends SelfSupervisedLoss {
  readonly className = 'VicReg';
  static override readonly optionKeys: OptionKeys<VicRegOptions> = { ...Loss.optionKeys, stdConst: true, lambda: true, mu: true, nu: true };
  readonly stdConst: number;
  readonly lambda: number;
  readonly mu: number;
  readonly nu: number;

  constructor(options: VicRegOptions = {}) {
    super(options, 'vicreg_loss');
    const o = resolve(options, this.className);
    this.stdConst = o.stdConst;
    this.lambda = o.lambda;
    this.mu = o.mu;
    this.nu = o.nu;
  }

  protected compute(za: Tensor2D, zb: Tensor2D): Tensor1D {
    return compute(za, zb, this);
  }

  getConfig(): LossConfig {
    return { ...this.commonConfig(), stdConst: this.stdConst, lambda: this.lambda, mu: this.mu, nu: this.nu };
  }
}
