/**
 * The selection experiment of the supervised examples: every candidate
 * recipe trained on each fold's training classes and scored on its
 * validation-unseen classes; the best by mean validation F1 is then trained
 * on all known classes and reported on the test (unseen) classes, which play
 * no part before that.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

import { ValueError } from '@tfsim/utils';

import { runSupervised, type SupervisedOptions, type SupervisedReport } from './flow';
import { type Recipe, recipeOptions } from './recipe';
import type { RunCache } from './run-cache';
import {
  type CandidateRow,
  candidateRows,
  chooseRow,
  type Fold,
  type FoldScore,
  replaceBetweenMarkers,
  selectionTable,
  validationFolds,
} from './selection';

/** The dataset and its split as the flow takes them; `unseenClasses` (the test classes) serve only the final run. */
export interface ExperimentOptions extends Pick<
  SupervisedOptions,
  'datasetName' | 'data' | 'classNames' | 'knownClasses' | 'unseenClasses' | 'sizes'
> {
  candidates: readonly Recipe[];
  foldCount: number;
  /** Each candidate runs on each fold once per seed; the final run takes the first. */
  seeds: readonly number[];
  log: (line: string) => void;
  /** Earlier runs to reuse, and where new ones are kept; default none. */
  cache?: RunCache;
}

export interface ExperimentResult {
  folds: Fold[];
  seeds: number[];
  rows: CandidateRow[];
  chosen: CandidateRow;
  /** The chosen recipe trained on all known classes, evaluated on the test classes. */
  final: SupervisedReport;
}

function flowOptions(options: ExperimentOptions, recipe: Recipe, known: readonly number[], unseen: readonly number[], seed: number) {
  return {
    datasetName: options.datasetName,
    data: options.data,
    classNames: options.classNames,
    knownClasses: known,
    unseenClasses: unseen,
    sizes: options.sizes,
    architecture: 'notebook' as const,
    ...recipeOptions(recipe, known.length),
    seed,
    outDir: null,
    log: () => {},
    progressEvery: Number.MAX_SAFE_INTEGER,
  };
}

export function foldScore(report: SupervisedReport): FoldScore {
  return {
    f1: report.unseen.f1,
    precision: report.unseen.precision,
    recall: report.unseen.recall,
    recallAt1: report.retrieval.unseen['recall@1'],
    mapAtR: report.retrieval.unseen['map@r'],
    trainSeconds: report.training.seconds,
  };
}

export async function runExperiment(options: ExperimentOptions): Promise<ExperimentResult> {
  const { log, seeds } = options;
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s)))
    throw new ValueError(`the selection needs at least one integer seed, got [${seeds.join(', ')}]`);
  const folds = validationFolds(options.knownClasses, options.foldCount);
  const scores: FoldScore[][][] = [];
  for (const recipe of options.candidates) {
    const perFold: FoldScore[][] = [];
    for (const fold of folds) {
      const runs: FoldScore[] = [];
      for (const seed of seeds) {
        const key = { datasetName: options.datasetName, sizes: options.sizes, recipe, fold, seed };
        const cached = options.cache?.get(key);
        let score: FoldScore;
        let note: string;
        if (cached) {
          [score, note] = [cached, ' (from the run cache)'];
        } else {
          const report = await runSupervised(flowOptions(options, recipe, fold.train, fold.validation, seed));
          [score, note] = [foldScore(report), graphNote(report)];
          options.cache?.set(key, score);
        }
        log(
          `${recipe.name} | train ${fold.train.join(',')} | validation-unseen ${fold.validation.join(',')} | seed ${seed}: F1 ${score.f1.toFixed(3)} ` +
            `(precision ${score.precision.toFixed(3)}, recall ${score.recall.toFixed(3)}), recall@1 ${score.recallAt1.toFixed(3)}, ` +
            `training ${score.trainSeconds.toFixed(1)} s${note}`,
        );
        runs.push(score);
      }
      perFold.push(runs);
    }
    scores.push(perFold);
  }
  const rows = candidateRows(options.candidates, scores);
  const chosen = chooseRow(rows);
  log(
    `chosen by mean validation F1: ${chosen.recipe.name} (${chosen.meanF1.toFixed(3)}); now trained on all known classes and tested on the unseen ones`,
  );
  const final = await runSupervised(flowOptions(options, chosen.recipe, options.knownClasses, options.unseenClasses, seeds[0]!));
  return { folds, seeds: [...seeds], rows, chosen, final };
}

/**
 * A note when graph mode was turned off, with the reason the models package
 * gives (its first three steps always run eagerly, to trace the graph).
 */
export function graphNote(report: SupervisedReport): string {
  const { graphSteps, steps, graphFallback } = report.training;
  return graphFallback === null ? '' : `; graph mode for ${graphSteps} of ${steps} steps, then off: ${graphFallback}`;
}

/** What goes into the page: the table, how it was chosen, and the chosen recipe's test numbers. */
export function experimentMarkdown(result: ExperimentResult, context: { command: string; date: string; load: string }): string {
  const { final, chosen, folds, seeds } = result;
  const u = final.unseen;
  const seedText =
    seeds.length === 1
      ? `seed ${seeds[0]}`
      : `${seeds.length} seeds (${seeds.join(', ')}) per fold, each cell their mean F1 and its min-max`;
  return [
    `Written by \`${context.command}\` on ${context.date} (load average ${context.load}; the training times are upper bounds).`,
    `${folds.length} folds of the known classes: train on ${folds[0]!.train.length}, validation-unseen ${folds[0]!.validation.length}, ${seedText}; ` +
      `F1 on the validation-unseen classes at the distance calibrated on the fold's classes, as the report does for the test classes.`,
    '',
    selectionTable(result.rows, folds, chosen),
    '',
    `Chosen: **${chosen.recipe.name}** (highest mean validation F1; a tie as printed goes to fewer steps). ` +
      `Then trained on all known classes ${final.knownClasses.join(', ')} and tested on the unseen ${final.unseenClasses.join(', ')}: ` +
      `F1 ${u.f1.toFixed(3)}, precision ${u.precision.toFixed(3)}, recall ${u.recall.toFixed(3)}, ` +
      `recall@1 ${final.retrieval.unseen['recall@1'].toFixed(3)}, MAP@R ${final.retrieval.unseen['map@r'].toFixed(3)} (seed ${seeds[0]}; the spread over seeds is below).`,
  ].join('\n');
}

/** Replaces the page's block between `<!-- marker:start -->` and `<!-- marker:end -->` with the experiment's table. */
export function writeExperiment(result: ExperimentResult, page: string, marker: string, command: string): void {
  const load = os
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(', ');
  const text = fs.readFileSync(page, 'utf8');
  fs.writeFileSync(
    page,
    replaceBetweenMarkers(text, marker, experimentMarkdown(result, { command, date: new Date().toISOString().slice(0, 10), load })),
  );
}
