/**
 * The supervised flow on Fashion-MNIST, from the standard IDX files in a
 * folder the user gives (Debian's dataset-fashion-mnist package puts them in
 * /usr/share/datasets/fashion-mnist).
 */
import { type BackendReport, setupBackend } from '@tfsim/utils';

import { loadIdxFolder } from '../data/idx';
import { runSupervised, type SupervisedReport } from '../supervised/flow';
import { denseOptions, type Recipe, recipeOptions } from '../supervised/recipe';
import { FASHION_RECIPE } from './recipes';

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** The hello world's class ids: train on six, hold out four (Bag, Sandal, T-shirt/top, Coat). */
export const KNOWN_CLASSES = [2, 3, 1, 7, 9, 6];
export const UNSEEN_CLASSES = [8, 5, 0, 4];
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';
/** Per class: 2,000 to train on (known classes), 20 to index, 50 to calibrate on, up to 500 test queries. */
export const FASHION_SIZES = { trainPerClass: 2000, indexPerClass: 20, calibrationPerClass: 50, testPerClass: 500 };
export const datasetName = (dataDir: string) => `Fashion-MNIST (${dataDir}, training split)`;

export interface FashionOptions {
  dataDir: string;
  outDir: string | null;
  steps?: number;
  /** The CNN's recipe (default FASHION_RECIPE, chosen by experiment.ts); `steps` overrides its steps. */
  recipe?: Recipe;
  /** Seed of the weights, batches and augmentation (default 1). */
  seed?: number;
  log?: (line: string) => void;
}

export interface FashionResult {
  backend: BackendReport;
  report: SupervisedReport;
  seconds: number;
}

export async function runFashionMnist(options: FashionOptions): Promise<FashionResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  // Read the data first: a wrong folder fails before anything slow happens.
  const data = loadIdxFolder(options.dataDir, 'train');
  const backend = await setupBackend();
  const native = backend.tfBackend === 'tensorflow';
  log(backend.summary);
  const recipe = options.recipe ?? FASHION_RECIPE;
  // The CNN's recipe is experiment.ts's choice on validation folds of the
  // known classes; without the native backend, a dense network.
  const report = await runSupervised({
    datasetName: datasetName(options.dataDir),
    data,
    classNames: FASHION_CLASSES,
    knownClasses: KNOWN_CLASSES,
    unseenClasses: UNSEEN_CLASSES,
    sizes: FASHION_SIZES,
    architecture: native ? 'notebook' : 'mlp',
    ...(native
      ? recipeOptions({ ...recipe, steps: options.steps ?? recipe.steps }, KNOWN_CLASSES.length)
      : denseOptions(options.steps ?? 300)),
    seed: options.seed ?? 1,
    outDir: options.outDir,
    log,
    progressEvery: 100,
  });
  return { backend, report, seconds: (Date.now() - started) / 1000 };
}
