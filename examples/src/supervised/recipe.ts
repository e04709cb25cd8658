/**
 * A training recipe of the supervised examples (what the selection compares),
 * and the flow options it stands for.
 */
import type { SupervisedOptions } from './flow';

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
}

/**
 * The flow options of `recipe` for `trainClasses` classes to train on. With
 * fewer classes than `classesPerBatch` (a validation fold), every class is in
 * each batch with more examples, so the batch keeps (about) its size.
 */
export function recipeOptions(
  recipe: Recipe,
  trainClasses: number,
): Pick<SupervisedOptions, 'steps' | 'learningRate' | 'warmupSteps' | 'augment' | 'affine' | 'embeddingSize' | 'classesPerBatch' | 'examplesPerClassPerBatch'> {
  const classesPerBatch = Math.min(recipe.classesPerBatch, trainClasses);
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
  };
}
