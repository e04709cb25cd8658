/**
 * `pnpm --filter @tfsim/examples fashion-mnist:seeds [--data folder] [--seeds 5]`:
 * the chosen Fashion-MNIST recipe over seeds 1..n, one line per seed
 * (unseen F1, recall@1, MAP@R) and their mean, min and max.
 */
import { parseArgs } from 'node:util';

import { runMain } from '../supervised/experiment-cli';
import { runSeeds } from '../supervised/seeds';
import { DEFAULT_DATA_DIR, runFashionMnist } from './run';

runMain(async () => {
  const { values } = parseArgs({
    options: { data: { type: 'string', default: DEFAULT_DATA_DIR }, seeds: { type: 'string', default: '5' } },
  });
  await runSeeds(
    Number(values.seeds),
    async (seed) =>
      (await runFashionMnist({ dataDir: values.data, outDir: null, seed, log: seed === 1 ? (line) => console.log(line) : () => {} }))
        .report,
    (line) => console.log(line),
  );
});
