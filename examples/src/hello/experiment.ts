/**
 * `pnpm --filter @tfsim/examples hello:experiment [--quick] [--folds 3] [--seed 1] [--docs page.md]`:
 * the hello world's recipe chosen without the test digits. Each candidate
 * of HELLO_CANDIDATES trains on four of the six known digits and is scored
 * on the other two (3 folds, every known digit validation-unseen once);
 * the best mean validation F1 is then trained on all six and reported on
 * the unseen test digits 8, 5, 0, 4. The table goes into
 * docs/getting-started.md between the `hello-selection` markers (not with
 * `--quick`: two 20-30-step candidates on small sets, to prove it runs).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupBackend } from '@tfsim/utils';
import { loadMnistDigits } from '../data/mnist';
import { formatReport } from '../supervised/format';
import { graphNote, runExperiment, writeExperiment } from '../supervised/experiment';
import { selectionTable } from '../supervised/selection';
import { HELLO_CANDIDATES, QUICK_CANDIDATES } from './recipes';
import { CLASS_NAMES, DATASET_NAME, HELLO_SIZES, KNOWN_CLASSES, QUICK_SIZES, UNSEEN_CLASSES } from './run';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      folds: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      docs: { type: 'string' },
    },
  });
  const started = Date.now();
  const backend = await setupBackend();
  console.log(backend.summary);
  const result = await runExperiment({
    datasetName: DATASET_NAME,
    data: loadMnistDigits(),
    classNames: CLASS_NAMES,
    knownClasses: KNOWN_CLASSES,
    unseenClasses: UNSEEN_CLASSES,
    sizes: values.quick ? QUICK_SIZES : HELLO_SIZES,
    candidates: values.quick ? QUICK_CANDIDATES : HELLO_CANDIDATES,
    foldCount: Number(values.folds),
    seed: Number(values.seed),
    log: (line) => console.log(line),
  });
  console.log(`\n${selectionTable(result.rows, result.folds, result.chosen)}\n`);
  const seconds = (Date.now() - started) / 1000;
  console.log(formatReport(`hello world, chosen recipe "${result.chosen.recipe.name}"`, backend, `the Python notebook's CNN, ${result.chosen.recipe.steps} steps${graphNote(result.final)}`, result.final, seconds));
  const page = values.docs ?? (values.quick ? undefined : path.resolve(__dirname, '..', '..', '..', 'docs', 'getting-started.md'));
  if (page !== undefined) {
    writeExperiment(result, page, 'hello-selection', `pnpm --filter @tfsim/examples hello:experiment${values.folds === '3' ? '' : ` --folds ${values.folds}`}`);
    console.log(`table written into ${page}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
