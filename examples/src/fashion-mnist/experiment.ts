/**
 * `pnpm --filter @tfsim/examples fashion-mnist:experiment [--data folder] [--quick] [--folds 3] [--seed 1] [--docs page.md]`:
 * the Fashion-MNIST recipe chosen as the hello world's is (see
 * hello/experiment.ts): FASHION_CANDIDATES on 3 folds of the six known
 * classes, the best mean validation F1 trained on all six and reported on
 * the four unseen ones; the table goes into docs/examples/fashion-mnist.md
 * between the `fashion-selection` markers.
 */
import * as path from 'node:path';

import { loadIdxFolder } from '../data/idx';
import { experimentMain, runMain } from '../supervised/experiment-cli';
import { FASHION_CANDIDATES } from './recipes';
import { datasetName, DEFAULT_DATA_DIR, FASHION_CLASSES, FASHION_SIZES, KNOWN_CLASSES, UNSEEN_CLASSES } from './run';

runMain(() =>
  experimentMain({
    title: 'Fashion-MNIST',
    command: 'pnpm --filter @tfsim/examples fashion-mnist:experiment',
    page: path.resolve(__dirname, '..', '..', '..', 'docs', 'examples', 'fashion-mnist.md'),
    marker: 'fashion-selection',
    extraOptions: { data: { type: 'string', default: DEFAULT_DATA_DIR } },
    setup: (values) => {
      const dataDir = String(values.data);
      return {
        datasetName: datasetName(dataDir),
        data: loadIdxFolder(dataDir, 'train'),
        classNames: FASHION_CLASSES,
        knownClasses: KNOWN_CLASSES,
        unseenClasses: UNSEEN_CLASSES,
        sizes: FASHION_SIZES,
        candidates: FASHION_CANDIDATES,
      };
    },
  }),
);
