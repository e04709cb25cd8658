/** A loss's options as a table of rules: defaults, checks, accepted keys and the config written back. */
import { ValueError } from '@tfsim/utils';

import { CircleLoss, TripletLoss } from '../src';
import {
  choiceOption,
  distanceOption,
  metricDistanceOption,
  nullableNumberOption,
  numberOption,
  resolveOptions,
  ruleKeys,
  rulesConfig,
} from '../src/option-rules';

const RULES = {
  distance: metricDistanceOption('cosine'),
  scores: distanceOption('inner_product'),
  gamma: numberOption(80, '>0'),
  shift: numberOption(-1),
  margin: nullableNumberOption(),
  strategy: choiceOption('hard', ['hard', 'easy'] as const),
};

describe('option rules', () => {
  it('resolve each unset option to its default, and a given one to itself', () => {
    const defaults = resolveOptions(RULES, undefined, 'L');
    expect(defaults.distance.name).toBe('cosine');
    expect(defaults.scores.name).toBe('inner_product');
    expect(defaults.scores.isSimilarity).toBe(true);
    expect({ ...defaults, distance: undefined, scores: undefined }).toEqual({
      distance: undefined,
      scores: undefined,
      gamma: 80,
      shift: -1,
      margin: null,
      strategy: 'hard',
    });
    const given = resolveOptions(RULES, { distance: 'l2', gamma: 2, shift: 0, margin: 0.5, strategy: 'easy' }, 'L');
    expect([given.distance.name, given.gamma, given.shift, given.margin, given.strategy]).toEqual(['euclidean', 2, 0, 0.5, 'easy']);
    expect(resolveOptions(RULES, { margin: null }, 'L').margin).toBeNull();
  });

  it('reject a bad value with a message naming the loss and the option', () => {
    expect(() => resolveOptions(RULES, { gamma: 0 }, 'L')).toThrow(new ValueError('L: gamma must be > 0, got 0'));
    expect(() => resolveOptions(RULES, { shift: Number.NaN }, 'L')).toThrow('L: shift must be a finite number, got NaN');
    expect(() => resolveOptions(RULES, { margin: '1' }, 'L')).toThrow('L: margin must be a finite number, got 1');
    expect(() => resolveOptions(RULES, { strategy: 'semi-hard' }, 'L')).toThrow(
      `L: unknown strategy "semi-hard"; expected one of 'hard', 'easy'`,
    );
    expect(() => resolveOptions(RULES, { distance: 'inner_product' }, 'L')).toThrow(
      "L needs a distance (smaller is closer), but inner_product is a similarity; use e.g. 'cosine'",
    );
  });

  it('give their keys for checkOptions, and write resolved options back as config (a distance by its name)', () => {
    expect(ruleKeys(RULES)).toEqual({ distance: true, scores: true, gamma: true, shift: true, margin: true, strategy: true });
    const resolved = resolveOptions(RULES, { distance: 'sql2' }, 'L');
    expect(rulesConfig(RULES, resolved)).toEqual({
      distance: 'squared_euclidean',
      scores: 'inner_product',
      gamma: 80,
      shift: -1,
      margin: null,
      strategy: 'hard',
    });
  });

  it('are what a loss accepts, resolves onto itself and writes in its config', () => {
    const circle = new CircleLoss({ gamma: 3, reduction: 'sum' });
    expect([circle.gamma, circle.margin, circle.distance.name]).toEqual([3, 0.4, 'cosine']);
    expect(circle.getConfig()).toEqual({ name: 'circle_loss', reduction: 'sum', distance: 'cosine', gamma: 3, margin: 0.4 });
    expect(() => new CircleLoss({ gama: 3 } as never)).toThrow("unknown option 'gama' for CircleLoss; did you mean 'gamma'?");
    expect(() => new CircleLoss({ gamma: -1 })).toThrow('CircleLoss: gamma must be > 0, got -1');
    expect(new TripletLoss().getConfig()).toEqual({
      name: 'triplet_loss',
      distance: 'cosine',
      positiveMiningStrategy: 'hard',
      negativeMiningStrategy: 'semi-hard',
      margin: null,
    });
  });
});
