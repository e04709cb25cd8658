/**
 * Proxy-Anchor loss (Kim et al., CVPR 2020), as pytorch-metric-learning
 * defines it: one trainable proxy per class, each pulling its class's
 * examples and pushing the others.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, getDistance, oneHotFloat } from '@tfsim/distances';

import { classIndices, ClassWeightsLoss, type ClassWeightsOptions, cosineOnlyOption } from './class-weights';
import type { LabelsInput } from './inputs';
import { numberOption, type OptionRulesOf, resolveOptions } from './option-rules';
import { maskedLogSumExp, similarityMatrix } from './similarity';
import { tfc } from './tf';

export interface ProxyAnchorLossOptions extends ClassWeightsOptions {
  /** Default 0.1. */
  margin?: number;
  /** Default 32. */
  alpha?: number;
  /** Must be 'cosine' (the default). */
  distance?: DistanceIdentifier;
}

const RULES = {
  margin: numberOption(0.1),
  alpha: numberOption(32, '>0'),
  distance: cosineOnlyOption('compares cosine similarities to its proxies'),
} satisfies OptionRulesOf<Omit<ProxyAnchorLossOptions, keyof ClassWeightsOptions>>;

interface Params {
  margin: number;
  alpha: number;
  numClasses: number;
  distance: Distance;
}

function loss(labels: Tensor1D, embeddings: Tensor2D, proxies: Tensor2D, p: Params): Scalar {
  const tf = tfc();
  const cosine = similarityMatrix(p.distance, embeddings, proxies);
  const positive = oneHotFloat(labels, p.numClasses);
  const negative = tf.sub(1, positive) as Tensor2D;
  const positiveTerms = maskedLogSumExp(tf.mul(tf.sub(p.margin, cosine), p.alpha) as Tensor2D, positive, 0, true);
  const negativeTerms = maskedLogSumExp(tf.mul(tf.add(cosine, p.margin), p.alpha) as Tensor2D, negative, 0, true);
  const proxiesWithPositives = tf.sum(tf.cast(tf.greater(tf.sum(positive, 0), 0), 'float32'));
  return tf.add(tf.div(tf.sum(positiveTerms), proxiesWithPositives), tf.div(tf.sum(negativeTerms), p.numClasses)) as Scalar;
}

/** The Proxy-Anchor loss of a batch (a scalar: it is a sum over proxies, not examples) for given proxies. */
export function proxyAnchorLoss(
  labels: LabelsInput,
  embeddings: Tensor2D,
  proxies: Tensor2D,
  options: { margin?: number; alpha?: number } = {},
): Scalar {
  const name = 'ProxyAnchorLoss';
  const { margin, alpha } = resolveOptions(RULES, options, name);
  return tfc().tidy(() => {
    const y = classIndices(labels, embeddings, proxies, 'proxies', name);
    return loss(y, embeddings, proxies, { margin, alpha, numClasses: proxies.shape[0], distance: getDistance('cosine') });
  });
}

/**
 * Proxy-Anchor loss: with s the cosine similarity between examples and
 * proxies, `1/|P+| sum_{c in P+} log(1 + sum_{i in c} exp(alpha (margin - s_ic)))
 * + 1/C sum_c log(1 + sum_{i not in c} exp(alpha (s_ic + margin)))`, P+ the
 * proxies with an example in the batch. Proxies are trainable (`weights`, in
 * `trainableWeights`), drawn as pytorch-metric-learning's Kaiming normal
 * (std sqrt(2 / numClasses)). Labels are class indices in `[0, numClasses)`.
 */
export class ProxyAnchorLoss extends ClassWeightsLoss {
  readonly className = 'ProxyAnchorLoss';
  // Resolved by Loss before ClassWeightsLoss creates the variable, so a bad option leaks nothing.
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly margin: number;
  declare readonly alpha: number;

  constructor(options: ProxyAnchorLossOptions) {
    super(options, 'proxy_anchor_loss', 'ProxyAnchorLoss', (numClasses) => Math.sqrt(2 / numClasses));
  }

  call(labels: Tensor | LabelsInput, embeddings: Tensor): Scalar {
    return tfc().tidy(() => loss(this.classIndices(labels, embeddings), embeddings as Tensor2D, this.weights as Tensor as Tensor2D, this));
  }
}
