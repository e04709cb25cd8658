/**
 * SimCLR's NT-Xent loss (Chen et al., 2020): each view must pick its pair
 * among all other examples of both views.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

import type { LossOptions } from './loss';
import { numberOption, type OptionRulesOf } from './option-rules';
import { checkViews, SelfSupervisedLoss, selfSupervisedValues } from './self-supervised';
import { l2Normalize, tfc } from './tf';

/** Subtracted from an example's similarity with itself, which must never be its pair. */
const LARGE_NUM = 1e9;

export interface SimCLRLossOptions extends LossOptions {
  /** Softmax temperature. Default 0.05. */
  temperature?: number;
}

/** Cross-entropy of each row of `h1` picking its own row of `h2` among `[h2; h1 without itself]`. */
function contrast(h1: Tensor2D, h2: Tensor2D, temperature: number): Tensor1D {
  const tf = tfc();
  const n = h1.shape[0];
  const ab = tf.div(tf.matMul(h1, h2, false, true), temperature);
  const aa = tf.sub(tf.div(tf.matMul(h1, h1, false, true), temperature), tf.mul(tf.eye(n), LARGE_NUM));
  const logits = tf.concat([ab, aa], 1);
  const target = tf.oneHot(tf.range(0, n, 1, 'int32'), 2 * n);
  return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)) as Tensor1D;
}

function compute(za: Tensor2D, zb: Tensor2D, { temperature }: { temperature: number }): Tensor1D {
  checkViews(za, zb, 'SimCLRLoss');
  const tf = tfc();
  const a = l2Normalize(za);
  const b = l2Normalize(zb);
  return tf.add(contrast(a, b, temperature), contrast(b, a, temperature));
}

const RULES = { temperature: numberOption(0.05, '>0') } satisfies OptionRulesOf<SimCLRLossOptions>;

/** Per-example SimCLR losses `[batch]`. */
export function simclrLoss(za: Tensor2D, zb: Tensor2D, options: SimCLRLossOptions = {}): Tensor1D {
  return selfSupervisedValues('SimCLRLoss', RULES, compute, za, zb, options);
}

/**
 * SimCLR (NT-Xent): with `a`, `b` the L2-normalised views, per example
 * `CE(i; [a_i.b / T, a_i.a_{j!=i} / T]) + CE(i; [b_i.a / T, b_i.b_{j!=i} / T])`.
 */
export class SimCLRLoss extends SelfSupervisedLoss {
  readonly className = 'SimCLRLoss';
  static override readonly optionRules = RULES;
  declare readonly temperature: number;

  constructor(options: SimCLRLossOptions = {}) {
    super(options, 'simclr_loss');
  }

  protected compute(za: Tensor2D, zb: Tensor2D): Tensor1D {
    return compute(za, zb, this);
  }
}
