import { loadReference } from '@tfsim/test-utils/reference';

import { MatchMajorityVote, MatchNearest } from '../src';

interface Expected {
  derived_labels: number[];
  derived_distances: number[];
  sorted_thresholds: number[];
  tp: number[];
  fp: number[];
  tn: number[];
  fn: number[];
  count: number;
}
interface Case {
  query_labels: number[];
  lookup_labels: number[][];
  lookup_distances: number[][];
  thresholds: number[];
  nearest: Expected;
  majority_vote: Expected;
}

const { cases } = loadReference<{ cases: Case[] }>(__dirname);

describe('matchers against the Python library (tools/reference/tfsim_reference.py)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(5));

  describe.each([
    ['nearest', () => new MatchNearest()],
    ['majority_vote', () => new MatchMajorityVote()],
  ] as const)('%s', (key, make) => {
    it.each(cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
      const expected = c[key];
      const m = make();
      m.compile(c.thresholds);
      expect(Array.from(m.distanceThresholds!)).toEqual(expected.sorted_thresholds);
      const derived = m.deriveMatch(c.lookup_labels, c.lookup_distances);
      expect(Array.from(derived.labels)).toEqual(expected.derived_labels);
      expect(Array.from(derived.distances)).toEqual(expected.derived_distances);
      m.computeCount(c.query_labels, c.lookup_labels, c.lookup_distances);
      expect(Array.from(m.tp)).toEqual(expected.tp);
      expect(Array.from(m.fp)).toEqual(expected.fp);
      expect(Array.from(m.tn)).toEqual(expected.tn);
      expect(Array.from(m.fn)).toEqual(expected.fn);
      expect(m.count).toBe(expected.count);
    });
  });
});
