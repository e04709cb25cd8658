/**
 * `pnpm --filter @tfsim/examples hello:seeds [--seeds 5] [--quick]`: the hello
 * world's chosen recipe over seeds 1..n, one line per seed (unseen F1,
 * recall@1, MAP@R) and their mean, min and max. A benchmark-like script for
 * the spread, not a test.
 */
import { parseArgs } from 'node:util';

import { runMain } from '../supervised/experiment-cli';
import { runSeeds } from '../supervised/seeds';
import { runHello } from './run';

runMain(async () => {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, quick: { type: 'boolean', default: false } } });
  await runSeeds(
    Number(values.seeds),
    async (seed) =>
      (await runHello({ outDir: null, quick: values.quick, seed, log: seed === 1 ? (line) => console.log(line) : () => {} })).report,
    (line) => console.log(line),
  );
});
