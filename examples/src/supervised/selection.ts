/**
 * Choosing a recipe without looking at the test classes: the known classes
 * are split into folds of training and validation-unseen classes, each
 * candidate is scored by its mean F1 on the validation-unseen classes, and
 * the table of it all is written into a page between markers.
 */
import { ValueError } from '@tfsim/utils';

import type { Recipe } from './recipe';

export interface Fold {
  /** Classes trained on. */
  train: number[];
  /** Known classes held out of training, to play the unseen ones. */
  validation: number[];
}

/**
 * `count` folds over `known`: consecutive groups of `known.length / count`
 * classes are held out in turn, so every known class is validation-unseen
 * exactly once.
 */
export function validationFolds(known: readonly number[], count: number): Fold[] {
  if (!Number.isInteger(count) || count < 2) throw new ValueError(`the fold count must be an integer >= 2, got ${count}`);
  if (known.length % count !== 0) throw new ValueError(`${known.length} known classes do not split into ${count} equal folds`);
  const size = known.length / count;
  if (known.length - size < 2)
    throw new ValueError(
      `with ${count} folds of ${known.length} classes only ${known.length - size} would be left to train on; at least 2 are needed`,
    );
  return Array.from({ length: count }, (_, f) => ({
    train: known.filter((_, i) => Math.floor(i / size) !== f),
    validation: known.slice(f * size, (f + 1) * size),
  }));
}

/** One candidate trained on one fold, scored on its validation-unseen classes at the calibrated distance. */
export interface FoldScore {
  f1: number;
  precision: number;
  recall: number;
  recallAt1: number;
  mapAtR: number;
  trainSeconds: number;
}

/** One candidate on one fold: a run per seed. */
export interface FoldRuns {
  runs: FoldScore[];
  /** Mean F1 over the seeds. */
  f1: number;
}

export interface CandidateRow {
  recipe: Recipe;
  folds: FoldRuns[];
  /** Mean over the folds of each fold's mean over seeds. */
  meanF1: number;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Rows with their mean validation F1, from each recipe's scores per fold and
 * seed (`scores[recipe][fold][seed]`); every fold needs the same number of seeds.
 */
export function candidateRows(recipes: readonly Recipe[], scores: readonly (readonly (readonly FoldScore[])[])[]): CandidateRow[] {
  if (recipes.length === 0) throw new ValueError('no candidate recipes');
  if (scores.length !== recipes.length) throw new ValueError(`${recipes.length} recipes but ${scores.length} score lists`);
  return recipes.map((recipe, i) => {
    const perFold = scores[i]!;
    if (perFold.length === 0) throw new ValueError(`recipe "${recipe.name}" has no fold scores`);
    const seeds = perFold[0]!.length;
    perFold.forEach((runs, f) => {
      if (runs.length === 0 || runs.length !== seeds)
        throw new ValueError(`recipe "${recipe.name}" has ${runs.length} seed runs on fold ${f + 1}, expected ${seeds || 'at least 1'}`);
    });
    const folds = perFold.map((runs) => ({ runs: [...runs], f1: mean(runs.map((s) => s.f1)) }));
    return { recipe, folds, meanF1: mean(folds.map((f) => f.f1)) };
  });
}

/**
 * The row with the highest mean validation F1; rows equal to it as printed
 * (three decimals) go to the one with fewer steps, then to the earlier one.
 */
export function chooseRow(rows: readonly CandidateRow[]): CandidateRow {
  if (rows.length === 0) throw new ValueError('no candidates to choose from');
  const printed = (r: CandidateRow) => Math.round(r.meanF1 * 1000);
  const best = Math.max(...rows.map(printed));
  const tied = rows.filter((r) => printed(r) === best);
  return tied.reduce((a, b) => (b.recipe.steps < a.recipe.steps ? b : a));
}

const f3 = (v: number) => v.toFixed(3);

/** A fold's cell: the mean F1 over seeds, and with several seeds their range. */
function foldCell(fold: FoldRuns): string {
  if (fold.runs.length === 1) return f3(fold.f1);
  const f1s = fold.runs.map((s) => s.f1);
  return `${f3(fold.f1)} (${f3(Math.min(...f1s))}-${f3(Math.max(...f1s))})`;
}

/**
 * Markdown table: one row per candidate, F1 per fold (mean over seeds, and
 * their min-max), the means over all runs, the chosen one in bold.
 */
export function selectionTable(rows: readonly CandidateRow[], folds: readonly Fold[], chosen: CandidateRow): string {
  const seeds = rows[0]?.folds[0]?.runs.length ?? 1;
  const header = [
    'candidate',
    ...folds.map((f) => `F1, validation-unseen ${f.validation.join(' & ')}${seeds > 1 ? ` (min-max of ${seeds} seeds)` : ''}`),
    'mean F1',
    'mean recall@1',
    'mean MAP@R',
    'training s / 1000 steps',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const bold = (s: string) => (row === chosen ? `**${s}**` : s);
    const runs = row.folds.flatMap((f) => f.runs);
    const perStep = mean(runs.map((s) => s.trainSeconds)) / (row.recipe.steps / 1000);
    lines.push(
      `| ${[
        bold(row.recipe.name),
        ...row.folds.map(foldCell),
        bold(f3(row.meanF1)),
        f3(mean(runs.map((s) => s.recallAt1))),
        f3(mean(runs.map((s) => s.mapAtR))),
        perStep.toFixed(0),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/**
 * `text` with what lies between `<!-- name:start -->` and `<!-- name:end -->`
 * replaced by `content`, so that a rerun replaces its own last output.
 */
export function replaceBetweenMarkers(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < 0 || to < from) throw new ValueError(`the page has no "${start}" ... "${end}" markers in that order`);
  if (text.indexOf(start, from + 1) >= 0) throw new ValueError(`the page has "${start}" twice`);
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}
