/**
 * Fashion-MNIST's candidate recipes (what `experiment.ts` compares on
 * validation folds of the known classes) and the one it chose.
 */
import { AUGMENTATION_B } from '../hello/recipes';
import type { Recipe } from '../supervised/recipe';

const base: Recipe = {
  name: '',
  steps: 1000,
  learningRate: 1e-3,
  warmup: 0,
  affine: null,
  embeddingSize: 64,
  classesPerBatch: 6,
  examplesPerClassPerBatch: 10,
};

export const FASHION_CANDIDATES: readonly Recipe[] = [
  { ...base, name: '1000 steps, rate 0.001, zoom-and-shift (the earlier recipe)' },
  { ...base, name: '2000 steps, rate 0.001, zoom-and-shift', steps: 2000 },
  { ...base, name: '2000 steps, rate 0.003 after 10% warmup, zoom-and-shift', steps: 2000, learningRate: 3e-3, warmup: 0.1 },
  {
    ...base,
    name: "1000 steps, rate 0.003 after 10% warmup, the hello world's affine augmentation",
    learningRate: 3e-3,
    warmup: 0.1,
    affine: AUGMENTATION_B,
  },
];

function candidate(name: string): Recipe {
  const recipe = FASHION_CANDIDATES.find((r) => r.name === name);
  if (!recipe) throw new Error(`no Fashion-MNIST candidate named "${name}"`);
  return recipe;
}

/** The recipe the Fashion-MNIST example trains: the selection's choice (docs/examples/fashion-mnist.md has the table). */
export const FASHION_RECIPE: Recipe = candidate('2000 steps, rate 0.003 after 10% warmup, zoom-and-shift');
