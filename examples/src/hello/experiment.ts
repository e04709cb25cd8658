/**
 * `pnpm --filter @tfsim/examples hello:experiment [--quick] [--folds 3] [--seed 1] [--docs page.md]`:
 * the hello world's recipe chosen without the test digits. Each of
 * HELLO_CANDIDATES trains on four of the six known digits and is scored on
 * the other two (3 folds, every known digit validation-unseen once); the
 * best mean validation F1 is then trained on all six and reported on the
 * unseen test digits 8, 5, 0, 4. The table goes into docs/getting-started.md
 * between the `hello-selection` markers (`--quick`: two 20-30-step
 * candidates on small sets, nothing written, to prove it runs).
 */
import * as path from 'node:path';

import { loadMnistDigits } from '../data/mnist';
import { experimentMain, runMain } from '../supervised/experiment-cli';
import { HELLO_CANDIDATES } from './recipes';
import { CLASS_NAMES, DATASET_NAME, HELLO_SIZES, KNOWN_CLASSES, UNSEEN_CLASSES } from './run';

runMain(() =>
  experimentMain({
    title: 'hello world',
    command: 'pnpm --filter @tfsim/examples hello:experiment',
    page: path.resolve(__dirname, '..', '..', '..', 'docs', 'getting-started.md'),
    marker: 'hello-selection',
    setup: () => ({
      datasetName: DATASET_NAME,
      data: loadMnistDigits(),
      classNames: CLASS_NAMES,
      knownClasses: KNOWN_CLASSES,
      unseenClasses: UNSEEN_CLASSES,
      sizes: HELLO_SIZES,
      candidates: HELLO_CANDIDATES,
    }),
  }),
);
