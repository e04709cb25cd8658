/**
 * The hello world's candidate recipes (what `experiment.ts` compares on
 * validation folds of the known digits) and the one it chose.
 */
import type { AffineStrength, Recipe } from '../supervised/recipe';

/** The affine augmentation: "B" is the earlier default, "C" a stronger one. */
export const AUGMENTATION_B: AffineStrength = { rotation: 15, zoom: 0.25, shift: 0.15, shear: 0.3 };
export const AUGMENTATION_C: AffineStrength = { rotation: 20, zoom: 0.3, shift: 0.15, shear: 0.4 };

const base: Recipe = {
  name: '',
  steps: 2000,
  learningRate: 3e-3,
  warmup: 0.1,
  affine: AUGMENTATION_B,
  embeddingSize: 64,
  classesPerBatch: 6,
  examplesPerClassPerBatch: 10,
};

/** One change at a time from "2000 steps" (steps, rate, augmentation, embedding). */
export const HELLO_CANDIDATES: readonly Recipe[] = [
  { ...base, name: '1000 steps (the earlier recipe)', steps: 1000 },
  { ...base, name: '2000 steps' },
  { ...base, name: '2000 steps, rate 0.001', learningRate: 1e-3 },
  { ...base, name: '2000 steps, stronger augmentation C', affine: AUGMENTATION_C },
  { ...base, name: '2000 steps, embedding 128', embeddingSize: 128 },
];

function candidate(name: string): Recipe {
  const recipe = HELLO_CANDIDATES.find((r) => r.name === name);
  if (!recipe) throw new Error(`no hello candidate named "${name}"`);
  return recipe;
}

/** The recipe `pnpm hello` trains: the selection's choice (docs/getting-started.md has the table). */
export const HELLO_RECIPE: Recipe = candidate('1000 steps (the earlier recipe)');
