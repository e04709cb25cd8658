/**
 * `pnpm --filter @tfsim/examples hello:seeds [--seeds 5] [--quick]`: the hello
 * world's chosen recipe over seeds 1..n, one line per seed (unseen F1,
 * recall@1, MAP@R) and their mean, min and max. A benchmark-like script for
 * the spread, not a test.
 */
import { parseArgs } from 'node:util';
import { runSeeds } from '../supervised/seeds';
import { runHello } from './run';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, quick: { type: 'boolean', default: false } } });
  let first = true;
  await runSeeds(
    Number(values.seeds),
    async (seed) => {
      const result = await runHello({ outDir: null, quick: values.quick, seed, log: first ? (line) => console.log(line) : () => {} });
      first = false;
      return result.report;
    },
    (line) => console.log(line),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
