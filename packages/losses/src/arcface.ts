/**
 * ArcFace (additive angular margin, Deng et al., CVPR 2019): a softmax over
 * scaled cosines to trainable class centres, with the angle to the true
 * class widened by a margin.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, oneHotFloat, withoutGradient } from '@tfsim/distances';

import { classIndices, ClassWeightsLoss, type ClassWeightsOptions, cosineOnlyOption } from './class-weights';
import type { LabelsInput } from './inputs';
import { numberOption, type OptionRulesOf, resolveOptions } from './option-rules';
import { l2Normalize, tfc } from './tf';

export interface ArcFaceLossOptions extends ClassWeightsOptions {
  /** Angular margin in radians. Default 0.5 (about 28.6 degrees). */
  margin?: number;
  /** Scale of the logits. Default 64. */
  scale?: number;
  /** Must be 'cosine' (the default). */
  distance?: DistanceIdentifier;
}

const RULES = {
  margin: numberOption(0.5, '>=0'),
  scale: numberOption(64, '>0'),
  distance: cosineOnlyOption('works on angles'),
} satisfies OptionRulesOf<Omit<ArcFaceLossOptions, keyof ClassWeightsOptions>>;

interface Params {
  margin: number;
  scale: number;
  numClasses: number;
}

/**
 * Per-example ArcFace losses `[batch]`, given the class centres
 * `[numClasses, dim]`: cross-entropy of `scale * cos(theta_j)` logits where
 * the true class's angle becomes `theta + margin` (or, past `pi - margin`,
 * `cos(theta) - margin * sin(margin)`, to keep it decreasing).
 */
function perExample(labels: Tensor1D, embeddings: Tensor2D, centres: Tensor2D, p: Params): Tensor1D {
  const tf = tfc();
  const cosine = tf.matMul(l2Normalize(embeddings), l2Normalize(centres), false, true);
  const target = oneHotFloat(labels, p.numClasses);
  const targetCosine = tf.sum(tf.mul(cosine, target), 1);
  const angle = tf.acos(tf.clipByValue(targetCosine, -1, 1));
  const widened = tf.where(
    withoutGradient(() => tf.lessEqual(angle, Math.PI - p.margin)),
    tf.cos(tf.add(angle, p.margin)),
    tf.sub(tf.cos(angle), p.margin * Math.sin(p.margin)),
  );
  const logits = tf.mul(tf.add(cosine, tf.mul(target, tf.expandDims(tf.sub(widened, targetCosine), 1))), p.scale);
  return tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1)) as Tensor1D;
}

/** Per-example ArcFace losses `[batch]` against given class centres `[numClasses, dim]`. */
export function arcFaceLoss(
  labels: LabelsInput,
  embeddings: Tensor2D,
  centres: Tensor2D,
  options: { margin?: number; scale?: number } = {},
): Tensor1D {
  const loss = 'ArcFaceLoss';
  const { margin, scale } = resolveOptions(RULES, options, loss);
  return tfc().tidy(() => {
    const y = classIndices(labels, embeddings, centres, 'centres', loss);
    return perExample(y, embeddings, centres, { margin, scale, numClasses: centres.shape[0] });
  });
}

/**
 * ArcFace loss with trainable class centres (`weights`, also in
 * `trainableWeights`: train them with the model's weights, e.g.
 * `optimizer.minimize(f, false, [...modelVars, ...loss.trainableWeights])`).
 * Labels are class indices in `[0, numClasses)`. Defaults: margin 0.5 rad,
 * scale 64, centres drawn from N(0, 1).
 */
export class ArcFaceLoss extends ClassWeightsLoss {
  readonly className = 'ArcFaceLoss';
  // Resolved by Loss before ClassWeightsLoss creates the variable, so a bad option leaks nothing.
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly margin: number;
  declare readonly scale: number;

  constructor(options: ArcFaceLossOptions) {
    super(options, 'arcface_loss', 'ArcFaceLoss', () => 1);
  }

  perExample(labels: LabelsInput, embeddings: Tensor2D): Tensor1D {
    return tfc().tidy(() => this.compute(labels, embeddings));
  }

  private compute(labels: Tensor | LabelsInput, embeddings: Tensor): Tensor1D {
    return perExample(this.classIndices(labels, embeddings), embeddings as Tensor2D, this.weights as Tensor as Tensor2D, this);
  }

  call(labels: Tensor | LabelsInput, embeddings: Tensor): Tensor {
    return tfc().tidy(() => this.applyReduction(this.compute(labels, embeddings)));
  }
}
