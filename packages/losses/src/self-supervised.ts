/**
 * Shared parts of the self-supervised losses: they take the two views'
 * outputs `(za, zb)` instead of labels and embeddings.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, getDistance } from '@tfsim/distances';
import { ShapeError } from '@tfsim/utils';

import { checkEmbeddings } from './inputs';
import { Loss } from './loss';
import { type OptionRules, type ResolvedOptions, resolveOptions } from './option-rules';
import { tfc } from './tf';

/** Both views must be 2-D float tensors of the same shape. */
export function checkViews(za: unknown, zb: unknown, loss: string, minRows = 1): asserts za is Tensor2D {
  checkEmbeddings(za, 'za (first view)', loss);
  checkEmbeddings(zb, 'zb (second view)', loss);
  const a = za as Tensor2D;
  const b = zb as Tensor2D;
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(`${loss}: the two views must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  }
  if (a.shape[0] < minRows) throw new ShapeError(`${loss}: needs a batch of at least ${minRows} rows, got ${a.shape[0]}`);
}

/**
 * The functional form of a self-supervised loss (`vicregLoss(za, zb,
 * options)`): its options resolved by `rules`, then `compute` in a tidy scope.
 */
export function selfSupervisedValues<Rules extends OptionRules, T extends Tensor>(
  loss: string,
  rules: Rules,
  compute: (za: Tensor2D, zb: Tensor2D, options: ResolvedOptions<Rules>) => T,
  za: Tensor2D,
  zb: Tensor2D,
  options: object,
): T {
  const resolved = resolveOptions(rules, options, loss);
  return tfc().tidy(() => compute(za, zb, resolved));
}

/**
 * Base of SimCLR, SimSiam, Barlow and VicReg: `call(za, zb)` reduces
 * `perExample(za, zb)` by `reduction` (the mean by default). Their outputs are indexed with the cosine distance.
 */
export abstract class SelfSupervisedLoss extends Loss {
  readonly distance: Distance = getDistance('cosine');

  /** Checks the views, then the per-example values (inside a tidy scope). */
  protected abstract compute(za: Tensor2D, zb: Tensor2D): Tensor;

  /** The per-example losses `[batch]` (Barlow: a scalar, its loss is over the batch as a whole). */
  perExample(za: Tensor2D, zb: Tensor2D): Tensor {
    return tfc().tidy(() => this.compute(za, zb));
  }

  call(za: Tensor, zb: Tensor): Tensor {
    return tfc().tidy(() => this.applyReduction(this.compute(za as Tensor2D, zb as Tensor2D)));
  }
}
