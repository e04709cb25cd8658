import { loadReference } from '@tfsim/test-utils/reference';
import { Rng, StateError } from '@tfsim/utils';

import { computeMatchMask, MapAtK, MapAtR, MeanReciprocalRank, PrecisionAt1, PrecisionAtK, RPrecision } from '../src';

/**
 * Independent plain-loop references (Musgrave et al. 2020, "A Metric Learning
 * Reality Check", section 3.2), written from the definitions: R-precision =
 * r/R over the first R neighbours; MAP@R = (1/R) sum_{i<=R} P(i) rel(i).
 */
function referenceRPrecision(q: number[], nn: number[][], counts: Map<number, number>): number {
  let total = 0;
  let n = 0;
  q.forEach((label, i) => {
    const R = counts.get(label) ?? 0;
    if (R === 0) return;
    let relevant = 0;
    for (let j = 0; j < R; j++) if (nn[i]![j] === label) relevant += 1;
    total += relevant / R;
    n += 1;
  });
  return total / n;
}

function referenceMapAtR(q: number[], nn: number[][], counts: Map<number, number>): number {
  let total = 0;
  let n = 0;
  q.forEach((label, i) => {
    const R = counts.get(label) ?? 0;
    if (R === 0) return;
    let ap = 0;
    for (let j = 1; j <= R; j++) {
      if (nn[i]![j - 1] !== label) continue;
      const precisionAtJ = nn[i]!.slice(0, j).filter((x) => x === label).length / j;
      ap += precisionAtJ;
    }
    total += ap / R;
    n += 1;
  });
  return total / n;
}

/** A random index of `classes` classes and its queries' neighbour labels, with lookups deep enough for every R. */
function randomRetrieval(seed: number) {
  const rng = new Rng(seed);
  const classes = 2 + rng.int(6);
  const counts = new Map<number, number>();
  for (let c = 0; c < classes; c++) counts.set(c, 1 + rng.int(12));
  const depth = Math.max(...counts.values());
  const q = Array.from({ length: 20 + rng.int(60) }, () => rng.int(classes));
  // neighbours biased towards the query's class, so scores spread over [0, 1]
  const nn = q.map((label) => Array.from({ length: depth }, () => (rng.next() < 0.5 ? label : rng.int(classes))));
  return { q, nn, counts, depth };
}

describe('R-precision and MAP@R against a plain-loop reference on seeded random data', () => {
  it.each(Array.from({ length: 25 }, (_, i) => 1000 + i))('seed %i', (seed) => {
    const { q, nn, counts, depth } = randomRetrieval(seed);
    const rp = new RPrecision({ r: counts });
    const mapr = new MapAtR({ r: counts });
    expect(rp.k).toBe(depth);
    expect(rp.compute({ queryLabels: q, lookupLabels: nn })).toBeCloseTo(referenceRPrecision(q, nn, counts), 12);
    expect(mapr.compute({ queryLabels: q, lookupLabels: nn })).toBeCloseTo(referenceMapAtR(q, nn, counts), 12);
    // the Python library's clipAtR metrics agree (in float32) when lookups are R deep and every class is indexed
    const f32 = { queryLabels: q, matchMask: computeMatchMask(q, nn) };
    expect(new PrecisionAtK({ r: counts, clipAtR: true, k: depth }).compute(f32)).toBeCloseTo(referenceRPrecision(q, nn, counts), 5);
    expect(new MapAtK({ r: counts, clipAtR: true, k: depth }).compute(f32)).toBeCloseTo(referenceMapAtR(q, nn, counts), 5);
  });

  it('takes R from the class counts passed to compute when the metric has no r', () => {
    const { q, nn, counts } = randomRetrieval(7);
    expect(new RPrecision().compute({ queryLabels: q, lookupLabels: nn, classCounts: counts })).toBeCloseTo(
      referenceRPrecision(q, nn, counts),
      12,
    );
    expect(() => new MapAtR().compute({ queryLabels: q, lookupLabels: nn })).toThrow(StateError);
    expect(() => new MapAtR().compute({ queryLabels: q, lookupLabels: nn })).toThrow(/indexed examples per class/);
  });
});

interface PmlScenario {
  query_labels: number[];
  neighbour_labels: number[][];
  pml: Record<'micro' | 'macro', Record<'precision_at_1' | 'r_precision' | 'mean_average_precision_at_r' | 'mean_reciprocal_rank', number>>;
}

describe("pytorch-metric-learning's AccuracyCalculator (tools/reference/pml_reference.py)", () => {
  const ref = loadReference<{ class_counts: Record<string, number>; separate: PmlScenario; same_source: PmlScenario }>(
    __dirname,
    'pml-reference.json',
  );
  const cases: Array<[string, PmlScenario, boolean]> = [
    ['queries apart from the index', ref.separate, false],
    ['queries that are indexed themselves (closest lookup dropped)', ref.same_source, true],
  ];
  describe.each(cases)('%s', (_name, scenario, dropClosestLookup) => {
    it.each(['micro', 'macro'] as const)('%s', (average) => {
      const inputs = { queryLabels: scenario.query_labels, lookupLabels: scenario.neighbour_labels };
      const k = scenario.neighbour_labels[0]!.length - (dropClosestLookup ? 1 : 0);
      const opts = { r: ref.class_counts, average, dropClosestLookup };
      const pml = scenario.pml[average];
      expect(new RPrecision(opts).compute(inputs)).toBeCloseTo(pml.r_precision, 12);
      expect(new MapAtR(opts).compute(inputs)).toBeCloseTo(pml.mean_average_precision_at_r, 12);
      expect(new PrecisionAt1(opts).compute(inputs)).toBeCloseTo(pml.precision_at_1, 12);
      // PML computes the reciprocal ranks in float32
      expect(new MeanReciprocalRank({ ...opts, k }).compute(inputs)).toBeCloseTo(pml.mean_reciprocal_rank, 6);
    });
  });

  it('R-precision uses only the neighbours looked up when fewer than R, as PML does', () => {
    // class 0 has R = 4 but only 2 neighbours were looked up: 1 hit of 2
    expect(new RPrecision({ r: { 0: 4 } }).compute({ queryLabels: [0], lookupLabels: [[0, 1]] })).toBe(0.5);
    // MAP@R still divides by R
    expect(new MapAtR({ r: { 0: 4 } }).compute({ queryLabels: [0], lookupLabels: [[0, 1]] })).toBe(0.25);
  });

  it('mean reciprocal rank and precision@1 by hand', () => {
    const inputs = {
      queryLabels: [1, 1, 2, 3],
      lookupLabels: [
        [1, 0, 0],
        [0, 0, 1],
        [0, 2, 2],
        [0, 0, 0],
      ],
    };
    expect(new MeanReciprocalRank({ k: 3 }).compute(inputs)).toBeCloseTo((1 + 1 / 3 + 1 / 2 + 0) / 4, 12);
    expect(new MeanReciprocalRank({ k: 2 }).compute(inputs)).toBeCloseTo((1 + 0 + 1 / 2 + 0) / 4, 12);
    expect(new PrecisionAt1().compute(inputs)).toBe(0.25);
    // with class counts, the query of class 3 (none indexed) is left out
    expect(new PrecisionAt1({ r: { 1: 5, 2: 5 } }).compute(inputs)).toBeCloseTo(1 / 3, 12);
    expect(new PrecisionAt1().name).toBe('precision@1');
    expect(new MeanReciprocalRank().name).toBe('mrr@5');
    expect(new RPrecision().name).toBe('r_precision');
    expect(new MapAtR().name).toBe('map@r');
  });
});
