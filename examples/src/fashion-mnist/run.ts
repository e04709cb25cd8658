/**
 * The supervised flow on Fashion-MNIST, from the standard IDX files in a
 * folder the user gives (Debian's dataset-fashion-mnist package puts them in
 * /usr/share/datasets/fashion-mnist).
 */
import { setupBackend, type BackendReport } from '@tfsim/utils';
import { loadIdxFolder } from '../data/idx';
import { runSupervised, type SupervisedReport } from '../supervised/flow';

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** The hello world's class ids: train on six, hold out four (Bag, Sandal, T-shirt/top, Coat). */
export const KNOWN_CLASSES = [2, 3, 1, 7, 9, 6];
export const UNSEEN_CLASSES = [8, 5, 0, 4];
export const DEFAULT_DATA_DIR = '/usr/share/datasets/fashion-mnist';

export interface FashionOptions {
  dataDir: string;
  outDir: string | null;
  steps?: number;
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
  const report = await runSupervised({
    datasetName: `Fashion-MNIST (${options.dataDir}, training split)`,
    data,
    classNames: FASHION_CLASSES,
    knownClasses: KNOWN_CLASSES,
    unseenClasses: UNSEEN_CLASSES,
    sizes: { trainPerClass: 2000, indexPerClass: 20, calibrationPerClass: 50, testPerClass: 500 },
    architecture: native ? 'notebook' : 'mlp',
    embeddingSize: 64,
    steps: options.steps ?? (native ? 1000 : 300),
    classesPerBatch: 6,
    examplesPerClassPerBatch: 10,
    learningRate: 1e-3,
    augment: true,
    seed: 1,
    outDir: options.outDir,
    log,
    progressEvery: 100,
  });
  return { backend, report, seconds: (Date.now() - started) / 1000 };
}
