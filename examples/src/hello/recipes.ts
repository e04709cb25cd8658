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
  steps: 1000,
  learningRate: 3e-3,
  warmup: 0.1,
  affine: AUGMENTATION_B,
  embeddingSize: 64,
  classesPerBatch: 6,
  examplesPerClassPerBatch: 10,
};

/** An EMA of the weights over the last half of the steps; decay 0.995 averages over ~200 steps. */
const EMA = { decay: 0.995, share: 0.5 };

/**
 * One change at a time from the recipe chosen before (1000 steps, the
 * Python library's MultiSimilarityLoss, 6 classes x 10 examples a batch),
 * each a choice the literature or the Python library suggests; the earlier
 * grid (2000 steps, rate 0.001, stronger augmentation, embedding 128) did no
 * better and is not repeated.
 */
export const HELLO_CANDIDATES: readonly Recipe[] = [
  { ...base, name: '1000 steps (the earlier recipe)' },
  // Polyak / EMA weight averaging: known to narrow the spread between seeds.
  { ...base, name: '1000 steps, EMA of the weights', averaging: EMA },
  // Longer training only pays with averaging, if at all (2000 steps alone did not).
  { ...base, name: '2000 steps, EMA of the weights', steps: 2000, averaging: EMA },
  // Twice the examples per class in a batch: more positive pairs for each anchor to mine.
  { ...base, name: '1000 steps, 6 classes x 20 examples a batch', examplesPerClassPerBatch: 20 },
  // Circle loss (Sun et al. 2020; the Python library's defaults gamma 80, margin 0.4), which the hello world could use instead.
  { ...base, name: '1000 steps, CircleLoss', loss: { name: 'CircleLoss' } },
  // MultiSimilarityLoss with the paper's beta 50 (Wang et al. 2019) instead of the Python library's 40: harder negatives weigh more.
  { ...base, name: '1000 steps, MultiSimilarityLoss beta 50', loss: { name: 'MultiSimilarityLoss', options: { beta: 50 } } },
];

function candidate(name: string): Recipe {
  const recipe = HELLO_CANDIDATES.find((r) => r.name === name);
  if (!recipe) throw new Error(`no hello candidate named "${name}"`);
  return recipe;
}

/** The recipe `pnpm hello` trains: the selection's choice (docs/getting-started.md has the table). */
export const HELLO_RECIPE: Recipe = candidate('1000 steps, EMA of the weights');
