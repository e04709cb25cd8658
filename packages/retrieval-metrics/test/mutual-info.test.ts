/**
 * MI, NMI and AMI against scikit-learn (fixture written by
 * tools/reference/sklearn_mutual_info_reference.py) for every average
 * method, plus hand-computed cases and the errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ShapeError, ValueError } from '@tfsim/utils';

import {
  adjustedMutualInfoScore,
  AVERAGE_METHODS,
  type AverageMethod,
  expectedMutualInfo,
  mutualInfoScore,
  normalizedMutualInfoScore,
} from '../src';

interface Case {
  name: string;
  labelsTrue: (number | string)[];
  labelsPred: (number | string)[];
  mi: number;
  nmi: Record<AverageMethod, number>;
  ami: Record<AverageMethod, number>;
}

const SKLEARN = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'sklearn-mutual-info.json'), 'utf8')) as { cases: Case[] };

describe('mutual information against scikit-learn', () => {
  it.each(SKLEARN.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(mutualInfoScore(c.labelsTrue, c.labelsPred)).toBeCloseTo(c.mi, 12);
    for (const averageMethod of AVERAGE_METHODS) {
      expect(normalizedMutualInfoScore(c.labelsTrue, c.labelsPred, { averageMethod })).toBeCloseTo(c.nmi[averageMethod], 12);
      expect(adjustedMutualInfoScore(c.labelsTrue, c.labelsPred, { averageMethod })).toBeCloseTo(c.ami[averageMethod], 10);
    }
  });
});

describe('mutual information by hand', () => {
  it('splitting one class of two in half: MI = ln 2, NMI arithmetic = ln 2 / ((ln 2 + 1.5 ln 2) / 2)', () => {
    // classes {a,a,b,b}, clusters {0,0,1,2}: H(true) = ln 2, H(pred) = 1.5 ln 2, MI = ln 2.
    const t = ['a', 'a', 'b', 'b'];
    const p = [0, 0, 1, 2];
    expect(mutualInfoScore(t, p)).toBeCloseTo(Math.LN2, 14);
    expect(normalizedMutualInfoScore(t, p)).toBeCloseTo(Math.LN2 / ((Math.LN2 + 1.5 * Math.LN2) / 2), 14);
    expect(normalizedMutualInfoScore(t, p, { averageMethod: 'min' })).toBeCloseTo(1, 14);
    expect(normalizedMutualInfoScore(t, p, { averageMethod: 'max' })).toBeCloseTo(1 / 1.5, 14);
  });

  it('E[MI] of two 2-2 labellings of 4 items: pairs (1,1) with p 2/3 and (2,0)/(0,2) with p 1/3', () => {
    // n_ij of the first cell is 1 (p 4/6) or 0 / 2 (p 1/6 each). With n_11 = 1
    // every cell is 1 and MI = 0; with n_11 in {0, 2} MI = ln 2. E[MI] = ln 2 / 3.
    expect(expectedMutualInfo([2, 2], [2, 2], 4)).toBeCloseTo(Math.LN2 / 3, 14);
    // So AMI of a perfect match is (ln 2 - ln 2 / 3) / (ln 2 - ln 2 / 3) = 1, of independence (0 - ln2/3) / (2 ln 2 / 3) = -0.5.
    expect(adjustedMutualInfoScore([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 14);
    expect(adjustedMutualInfoScore([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
  });

  it('follows scikit-learn in the limit cases', () => {
    expect(normalizedMutualInfoScore([], [])).toBe(1);
    expect(adjustedMutualInfoScore([3, 3], [8, 8])).toBe(1);
    expect(adjustedMutualInfoScore([0, 0, 0], [0, 1, 2])).toBe(0);
    expect(normalizedMutualInfoScore([0, 0, 0], [0, 1, 2])).toBe(0);
  });
});

describe('mutual information errors', () => {
  it('names the problem', () => {
    expect(() => normalizedMutualInfoScore([0, 1], [0])).toThrow(ShapeError);
    expect(() => normalizedMutualInfoScore([0, 1], [0])).toThrow(/labelsTrue has 2 labels but labelsPred has 1/);
    expect(() => adjustedMutualInfoScore([0, Number.NaN], [0, 1])).toThrow(/labelsTrue\[1\] must be a finite number or a string/);
    expect(() => normalizedMutualInfoScore([0, 1], [0, 1], { averageMethod: 'mean' as never })).toThrow(ValueError);
    expect(() => normalizedMutualInfoScore([0, 1], [0, 1], { averageMethod: 'mean' as never })).toThrow(/unknown averageMethod "mean"/);
  });
});
