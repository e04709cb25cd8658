/**
 * SimSiam's loss (Chen & He, 2021): the predictor's output should point where
 * the projector's does (the caller stops the projector's gradient).
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';

import type { LossOptions } from './loss';
import { choiceOption, numberOption, type OptionRulesOf } from './option-rules';
import { checkViews, SelfSupervisedLoss, selfSupervisedValues } from './self-supervised';
import { l2Normalize, tfc } from './tf';

export const PROJECTION_TYPES = ['negative_cosine_sim', 'cosine_distance', 'angular_distance'] as const;
export type ProjectionType = (typeof PROJECTION_TYPES)[number];

export interface SimSiamLossOptions extends LossOptions {
  /** How the cosine similarity s becomes a loss: 'negative_cosine_sim' (-s, default), 'cosine_distance' (1 - s), 'angular_distance' (acos(s) / pi). */
  projectionType?: ProjectionType;
  /** Added to every per-example value. Default 0.001. */
  margin?: number;
}

function compute(
  projector: Tensor2D,
  predictor: Tensor2D,
  { projectionType, margin }: { projectionType: ProjectionType; margin: number },
): Tensor1D {
  checkViews(projector, predictor, 'SimSiamLoss');
  const tf = tfc();
  const similarity = tf.sum(tf.mul(l2Normalize(predictor), l2Normalize(projector)), 1);
  let projected;
  if (projectionType === 'negative_cosine_sim') projected = tf.neg(similarity);
  else if (projectionType === 'cosine_distance') projected = tf.sub(1, similarity);
  else projected = tf.div(tf.acos(similarity), Math.PI);
  return tf.add(tf.mul(projected, 0.5), margin) as Tensor1D;
}

const RULES = {
  projectionType: choiceOption<ProjectionType>('negative_cosine_sim', PROJECTION_TYPES),
  margin: numberOption(0.001),
} satisfies OptionRulesOf<SimSiamLossOptions>;

/** Per-example SimSiam losses `[batch]` of (projector output, predictor output). */
export function simsiamLoss(projector: Tensor2D, predictor: Tensor2D, options: SimSiamLossOptions = {}): Tensor1D {
  return selfSupervisedValues('SimSiamLoss', RULES, compute, projector, predictor, options);
}

/**
 * SimSiam: per example `0.5 * proj(cos(projector_i, predictor_i)) + margin`.
 * `call(projector, predictor)`; symmetrising over the two views and stopping
 * the projector's gradient is the model's job, as in the Python library.
 */
export class SimSiamLoss extends SelfSupervisedLoss {
  readonly className = 'SimSiamLoss';
  static override readonly optionRules = RULES;
  declare readonly projectionType: ProjectionType;
  declare readonly margin: number;

  constructor(options: SimSiamLossOptions = {}) {
    super(options, 'simsiam_loss');
  }

  protected compute(projector: Tensor2D, predictor: Tensor2D): Tensor1D {
    return compute(projector, predictor, this);
  }
}
