/**
 * A training recipe of the supervised examples (what the selection compares),
 * and the flow options it stands for.
 */
import type { ClassTransform } from './class-transforms';
import type { LossChoice, SupervisedOptions } from './flow';
import type { CnnOptions } from './model';

/** Random affine distortion: rotation (degrees), zoom, shift (share of the side), shear (slope). */
export interface AffineStrength {
  rotation: number;
  zoom: number;
  shift: number;
  shear: number;
}

export interface Recipe {
  /** How tables name it. */
  name: string;
  steps: number;
  /** Peak learning rate of Adam (warmup, then cosine decay to 0). */
  learningRate: number;
  /** Share of the steps spent warming up linearly. */
  warmup: number;
  /** Affine augmentation; null: the plain zoom-and-shift. */
  affine: AffineStrength | null;
  embeddingSize: number;
  /** Classes in a batch when there are that many to train on; fewer classes keep the batch size. */
  classesPerBatch: number;
  examplesPerClassPerBatch: number;
  /** The loss and its settings; default MultiSimilarityLoss with the Python library's defaults. */
  loss?: LossChoice;
  /** An exponential moving average of the weights over the last `share` of the steps; default none. */
  averaging?: { decay: number; share: number };
  /** Changes to the notebook CNN; default none. */
  cnn?: CnnOptions;
  /** Rotated or mirrored copies of the training classes as new classes; default none. */
  classTransforms?: readonly ClassTransform[];
}

/**
 * The flow options of `recipe` for `trainClasses` classes to train on. With
 * fewer classes than `classesPerBatch` (a validation fold), every class is in
 * each batch with more examples, so the batch keeps (about) its size.
 */
export function recipeOptions(
  recipe: Recipe,
  trainClasses: number,
): Pick<
  SupervisedOptions,
  | 'steps'
  | 'learningRate'
  | 'warmupSteps'
  | 'augment'
  | 'affine'
  | 'embeddingSize'
  | 'classesPerBatch'
  | 'examplesPerClassPerBatch'
  | 'loss'
  | 'averaging'
  | 'cnn'
  | 'classTransforms'
> {
  const classes = trainClasses * (1 + (recipe.classTransforms?.length ?? 0));
  const classesPerBatch = Math.min(recipe.classesPerBatch, classes);
  const batch = recipe.classesPerBatch * recipe.examplesPerClassPerBatch;
  return {
    steps: recipe.steps,
    learningRate: recipe.learningRate,
    warmupSteps: Math.round(recipe.steps * recipe.warmup),
    augment: true,
    ...(recipe.affine ? { affine: recipe.affine } : {}),
    embeddingSize: recipe.embeddingSize,
    classesPerBatch,
    examplesPerClassPerBatch: Math.round(batch / classesPerBatch),
    ...(recipe.loss ? { loss: recipe.loss } : {}),
    ...(recipe.averaging
      ? { averaging: { decay: recipe.averaging.decay, fromStep: recipe.steps - Math.round(recipe.steps * recipe.averaging.share) + 1 } }
      : {}),
    ...(recipe.cnn ? { cnn: recipe.cnn } : {}),
    ...(recipe.classTransforms ? { classTransforms: recipe.classTransforms } : {}),
  };
}

/**
 * Without the native backend: a small dense network's plain settings (rate
 * 0.001, no warmup, zoom-and-shift, 6 x 10 batches), as it was measured.
 */
export function denseOptions(steps: number): ReturnType<typeof recipeOptions> {
  return { steps, learningRate: 1e-3, warmupSteps: 0, augment: true, embeddingSize: 64, classesPerBatch: 6, examplesPerClassPerBatch: 10 };
}

const quick: Omit<Recipe, 'name' | 'steps'> = {
  learningRate: 3e-3,
  warmup: 0.1,
  affine: null,
  embeddingSize: 64,
  classesPerBatch: 6,
  examplesPerClassPerBatch: 10,
};

/** `--quick` experiments: two tiny candidates, to prove the selection runs in seconds. */
export const QUICK_CANDIDATES: readonly Recipe[] = [
  { ...quick, name: 'quick, 20 steps', steps: 20 },
  { ...quick, name: 'quick, 30 steps, rate 0.001', steps: 30, learningRate: 1e-3 },
];

/** `--quick` split sizes per class: 300 to train on, 20 to index, 20 to calibrate on, 50 test queries. */
export const QUICK_SIZES = { trainPerClass: 300, indexPerClass: 20, calibrationPerClass: 20, testPerClass: 50 };
