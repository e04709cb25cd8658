/**
 * The command line of the selection experiments (`hello:experiment`,
 * `fashion-mnist:experiment`): `[--quick] [--folds 3] [--seed 1] [--seeds 2] [--docs page.md] [--cache runs.jsonl]`
 * (seeds `seed` .. `seed + seeds - 1` on every fold; `--cache`: fold runs
 * already in that file are not trained again, new ones are added to it)
 * plus the example's own options. Prints each fold's score, the table and
 * the chosen recipe's report; writes the table into the page between its
 * markers (not with `--quick`, unless `--docs` is given).
 */
import { parseArgs } from 'node:util';

import { setupBackend, ValueError } from '@tfsim/utils';

import { type ExperimentOptions, graphNote, runExperiment, writeExperiment } from './experiment';
import { formatReport } from './format';
import { describeCnn } from './model';
import { QUICK_CANDIDATES, QUICK_SIZES } from './recipe';
import { RunCache } from './run-cache';
import { selectionTable } from './selection';

export interface ExperimentCli {
  title: string;
  /** The command as the page quotes it. */
  command: string;
  page: string;
  marker: string;
  /** Options besides the common ones (e.g. `--data`). */
  extraOptions?: Record<string, { type: 'string'; default: string }>;
  /** The experiment's data, classes, sizes and candidates, given the parsed options. */
  setup: (values: Record<string, string | boolean | undefined>) => Omit<ExperimentOptions, 'foldCount' | 'seeds' | 'log'>;
}

export async function experimentMain(cli: ExperimentCli): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      folds: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      seeds: { type: 'string', default: '2' },
      docs: { type: 'string' },
      cache: { type: 'string' },
      ...cli.extraOptions,
    },
  });
  const started = Date.now();
  const setup = cli.setup(values);
  const backend = await setupBackend();
  console.log(backend.summary);
  const result = await runExperiment({
    ...setup,
    ...(values.quick ? { sizes: QUICK_SIZES, candidates: QUICK_CANDIDATES } : {}),
    foldCount: Number(values.folds),
    seeds: seedRange(Number(values.seed), Number(values.seeds)),
    log: (line) => console.log(line),
    ...(values.cache !== undefined ? { cache: new RunCache(values.cache) } : {}),
  });
  console.log(`\n${selectionTable(result.rows, result.folds, result.chosen)}\n`);
  const plan = `${describeCnn(result.chosen.recipe.cnn)}, ${result.chosen.recipe.steps} steps${graphNote(result.final)}`;
  console.log(
    formatReport(`${cli.title}, chosen recipe "${result.chosen.recipe.name}"`, backend, plan, result.final, (Date.now() - started) / 1000),
  );
  const page = values.docs ?? (values.quick ? undefined : cli.page);
  if (page !== undefined) {
    writeExperiment(result, page, cli.marker, cli.command);
    console.log(`table written into ${page}`);
  }
}

/** `count` consecutive seeds from `first`. */
export function seedRange(first: number, count: number): number[] {
  if (!Number.isInteger(first)) throw new ValueError(`--seed must be an integer, got ${first}`);
  if (!Number.isInteger(count) || count < 1) throw new ValueError(`--seeds must be a positive integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => first + i);
}

export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
