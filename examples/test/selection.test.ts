import { seedRange } from '../src/supervised/experiment-cli';
import { QUICK_CANDIDATES, type Recipe, recipeOptions } from '../src/supervised/recipe';
import {
  candidateRows,
  chooseRow,
  type FoldScore,
  replaceBetweenMarkers,
  selectionTable,
  validationFolds,
} from '../src/supervised/selection';

/** A recipe with the quick runs' settings (rate 3e-3, 10% warmup, no affine, embedding 64, 6 x 10 a batch). */
const recipe = (name: string, steps: number): Recipe => ({ ...QUICK_CANDIDATES[0]!, name, steps });
const score = (f1: number, trainSeconds = 10): FoldScore => ({
  f1,
  precision: 0.9,
  recall: 1,
  recallAt1: f1 - 0.05,
  mapAtR: 0.5,
  trainSeconds,
});

describe('validationFolds', () => {
  it('holds out consecutive pairs of the known digits in turn, each once', () => {
    expect(validationFolds([2, 3, 1, 7, 9, 6], 3)).toEqual([
      { train: [1, 7, 9, 6], validation: [2, 3] },
      { train: [2, 3, 9, 6], validation: [1, 7] },
      { train: [2, 3, 1, 7], validation: [9, 6] },
    ]);
    expect(validationFolds([2, 3, 1, 7, 9, 6], 6).map((f) => f.validation)).toEqual([[2], [3], [1], [7], [9], [6]]);
  });

  it('refuses fold counts that do not split the classes or leave too few to train on', () => {
    expect(() => validationFolds([2, 3, 1, 7, 9, 6], 4)).toThrow('6 known classes do not split into 4 equal folds');
    expect(() => validationFolds([1, 2, 3], 1)).toThrow('the fold count must be an integer >= 2, got 1');
    expect(() => validationFolds([1, 2], 2)).toThrow('only 1 would be left to train on');
  });
});

describe('choosing a recipe', () => {
  it('takes the highest mean validation F1', () => {
    const rows = candidateRows(
      [recipe('a', 1000), recipe('b', 2000)],
      [
        [[score(0.9)], [score(0.92)], [score(0.94)]],
        [[score(0.95)], [score(0.93)], [score(0.95)]],
      ],
    );
    expect(rows.map((r) => r.meanF1)).toEqual([expect.closeTo(0.92, 12), expect.closeTo(0.9433333333, 9)]);
    expect(chooseRow(rows).recipe.name).toBe('b');
  });

  it('averages each fold over its seeds, then the folds', () => {
    // Fold means (0.90 + 0.80) / 2 = 0.85 and (0.96 + 0.98) / 2 = 0.97; mean 0.91.
    const [row] = candidateRows(
      [recipe('a', 1000)],
      [
        [
          [score(0.9), score(0.8)],
          [score(0.96), score(0.98)],
        ],
      ],
    );
    expect(row!.folds.map((f) => f.f1)).toEqual([expect.closeTo(0.85, 12), expect.closeTo(0.97, 12)]);
    expect(row!.meanF1).toBeCloseTo(0.91, 12);
    expect(row!.folds[0]!.runs.map((r) => r.f1)).toEqual([0.9, 0.8]);
  });

  it('breaks a tie as printed (three decimals) by fewer steps, then by order', () => {
    // Means 0.9502 and 0.9498 both print 0.950: the 1000-step one wins although listed second.
    const tied = candidateRows([recipe('long', 2000), recipe('short', 1000)], [[[score(0.9502)]], [[score(0.9498)]]]);
    expect(chooseRow(tied).recipe.name).toBe('short');
    const same = candidateRows([recipe('first', 1000), recipe('second', 1000)], [[[score(0.95)]], [[score(0.95)]]]);
    expect(chooseRow(same).recipe.name).toBe('first');
    // 0.9506 prints 0.951: no tie, more steps win.
    const apart = candidateRows([recipe('long', 2000), recipe('short', 1000)], [[[score(0.9506)]], [[score(0.9498)]]]);
    expect(chooseRow(apart).recipe.name).toBe('long');
  });

  it('refuses empty or mismatched inputs', () => {
    expect(() => candidateRows([], [])).toThrow('no candidate recipes');
    expect(() => candidateRows([recipe('a', 1)], [])).toThrow('1 recipes but 0 score lists');
    expect(() => candidateRows([recipe('a', 1)], [[]])).toThrow('recipe "a" has no fold scores');
    expect(() => candidateRows([recipe('a', 1)], [[[score(0.9), score(0.9)], [score(0.9)]]])).toThrow(
      'recipe "a" has 1 seed runs on fold 2, expected 2',
    );
    expect(() => candidateRows([recipe('a', 1)], [[[]]])).toThrow('recipe "a" has 0 seed runs on fold 1, expected at least 1');
    expect(() => chooseRow([])).toThrow('no candidates to choose from');
  });

  it('tables F1 per fold, the means and the training time per 1000 steps, the choice in bold', () => {
    const folds = validationFolds([2, 3, 1, 7], 2);
    const rows = candidateRows(
      [recipe('a', 1000), recipe('b', 2000)],
      [
        [[score(0.9, 50)], [score(0.8, 70)]],
        [[score(0.95, 100)], [score(0.97, 140)]],
      ],
    );
    expect(selectionTable(rows, folds, chooseRow(rows)).split('\n')).toEqual([
      '| candidate | F1, validation-unseen 2 & 3 | F1, validation-unseen 1 & 7 | mean F1 | mean recall@1 | mean MAP@R | training s / 1000 steps |',
      '|---|---|---|---|---|---|---|',
      '| a | 0.900 | 0.800 | 0.850 | 0.800 | 0.500 | 60 |',
      '| **b** | 0.950 | 0.970 | **0.960** | 0.910 | 0.500 | 60 |',
    ]);
  });

  it('tables each fold over several seeds as the mean and its min-max', () => {
    const folds = validationFolds([2, 3, 1, 7], 2);
    const rows = candidateRows(
      [recipe('a', 2000)],
      [
        [
          [score(0.9, 100), score(0.86, 120)],
          [score(0.97, 140), score(0.95, 160)],
        ],
      ],
    );
    // F1 (0.90 + 0.86 + 0.97 + 0.95) / 4 = 0.92; recall@1 0.05 less; 130 s mean over 2000 steps = 65 per 1000.
    expect(selectionTable(rows, folds, rows[0]!).split('\n')).toEqual([
      '| candidate | F1, validation-unseen 2 & 3 (min-max of 2 seeds) | F1, validation-unseen 1 & 7 (min-max of 2 seeds) | mean F1 | mean recall@1 | mean MAP@R | training s / 1000 steps |',
      '|---|---|---|---|---|---|---|',
      '| **a** | 0.880 (0.860-0.900) | 0.960 (0.950-0.970) | **0.920** | 0.870 | 0.500 | 65 |',
    ]);
  });
});

describe('replaceBetweenMarkers', () => {
  const page = 'before\n<!-- t:start -->\nold\n<!-- t:end -->\nafter\n';

  it('replaces only the block, and a rerun replaces its own output', () => {
    const once = replaceBetweenMarkers(page, 't', 'new table');
    expect(once).toBe('before\n<!-- t:start -->\nnew table\n<!-- t:end -->\nafter\n');
    expect(replaceBetweenMarkers(once, 't', 'newer')).toBe('before\n<!-- t:start -->\nnewer\n<!-- t:end -->\nafter\n');
  });

  it('refuses a page without the markers, with them swapped or twice', () => {
    expect(() => replaceBetweenMarkers('no markers', 't', 'x')).toThrow(
      'the page has no "<!-- t:start -->" ... "<!-- t:end -->" markers in that order',
    );
    expect(() => replaceBetweenMarkers('<!-- t:end --><!-- t:start -->', 't', 'x')).toThrow('markers in that order');
    expect(() => replaceBetweenMarkers(`${page}${page}`, 't', 'x')).toThrow('the page has "<!-- t:start -->" twice');
  });
});

describe('seedRange', () => {
  it('counts consecutive seeds from the first, and refuses bad counts', () => {
    expect(seedRange(1, 2)).toEqual([1, 2]);
    expect(seedRange(7, 3)).toEqual([7, 8, 9]);
    expect(() => seedRange(1, 0)).toThrow('--seeds must be a positive integer, got 0');
    expect(() => seedRange(1.5, 2)).toThrow('--seed must be an integer, got 1.5');
  });
});

describe('recipeOptions', () => {
  it('keeps the batch size when a fold has fewer classes than a batch', () => {
    const six = recipeOptions(recipe('a', 2000), 6);
    expect(six).toMatchObject({ steps: 2000, warmupSteps: 200, classesPerBatch: 6, examplesPerClassPerBatch: 10, augment: true });
    expect(six).not.toHaveProperty('affine');
    expect(recipeOptions(recipe('a', 2000), 4)).toMatchObject({ classesPerBatch: 4, examplesPerClassPerBatch: 15 });
    const affine = { rotation: 15, zoom: 0.25, shift: 0.15, shear: 0.3 };
    expect(recipeOptions({ ...recipe('a', 1000), affine }, 6).affine).toEqual(affine);
  });

  it('passes the CNN changes on, and none when the recipe has none', () => {
    expect(recipeOptions(recipe('a', 1000), 6)).not.toHaveProperty('cnn');
    const cnn = { head: 'average' as const, dropout: 0.5 };
    expect(recipeOptions({ ...recipe('a', 1000), cnn }, 6).cnn).toEqual(cnn);
  });
});
