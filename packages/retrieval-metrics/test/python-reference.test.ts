import { loadReference } from '@tfsim/test-utils/reference';

import { BNDCG, computeMatchMask, MapAtK, PrecisionAtK, RecallAtK, type RetrievalMetric } from '../src';

interface PyParams {
  k?: number;
  average?: 'micro' | 'macro';
  drop_closest_lookup?: boolean;
  distance_threshold?: number;
  r?: Record<string, number>;
  clip_at_r?: boolean;
  name?: string;
}
interface Case {
  query_labels: number[];
  lookup_labels: number[][];
  lookup_distances: number[][];
  results: Array<{ metric: string; params: PyParams; name: string; value: number }>;
}
interface NameCase {
  name: string;
  repr: string;
  config: Record<string, unknown>;
}
const ref = loadReference<{ cases: Case[]; names: NameCase[] }>(__dirname);

/** Our metric for the Python constructor and keyword arguments the fixture names. */
function fromPython(kind: string, p: PyParams): RetrievalMetric {
  const options = {
    k: p.k,
    average: p.average,
    dropClosestLookup: p.drop_closest_lookup,
    distanceThreshold: p.distance_threshold,
    r: p.r,
    clipAtR: p.clip_at_r,
    name: p.name,
  };
  switch (kind) {
    case 'recall_at_k':
      return new RecallAtK(options);
    case 'precision_at_k':
      return new PrecisionAtK(options);
    case 'map_at_k':
      return new MapAtK(options);
    case 'bndcg':
      return new BNDCG(options);
    default:
      throw new Error(kind);
  }
}

describe('retrieval metrics against the Python library (tools/reference/tfsim_reference.py)', () => {
  it.each(ref.cases.map((c, i) => [i, c.results.length, c] as const))('case %i: %i metric settings', (_i, _n, c) => {
    const matchMask = computeMatchMask(c.query_labels, c.lookup_labels);
    for (const { metric, params, name, value } of c.results) {
      const m = fromPython(metric, params);
      expect(m.name).toBe(name);
      const got = m.compute({ queryLabels: c.query_labels, matchMask, lookupDistances: c.lookup_distances });
      // float32 results; means over queries may differ from TensorFlow's summation order by an ulp
      if (Math.abs(got - value) > 2e-7 * Math.max(1, Math.abs(value))) {
        throw new Error(`${metric} ${JSON.stringify(params)}: got ${got}, Python ${value}`);
      }
    }
  });

  it('names, reprs and configs', () => {
    const specs: Array<[string, PyParams]> = [
      ['recall_at_k', { k: 3 }],
      ['recall_at_k', { k: 3, distance_threshold: 0.1 }],
      ['precision_at_k', { k: 4, distance_threshold: 0.25 }],
      ['precision_at_k', { k: 4, r: { 1: 2 }, clip_at_r: true }],
      ['map_at_k', { r: { 1: 4, 0: 4 } }],
      ['map_at_k', { r: { 1: 4, 0: 4 }, distance_threshold: 0.1 }],
      ['map_at_k', { r: { 1: 4 }, clip_at_r: true, name: 'map@R' }],
      ['bndcg', { k: 2, distance_threshold: 1e-5 }],
      ['bndcg', { k: 2, distance_threshold: 2.0 }],
    ];
    specs.forEach(([kind, params], i) => {
      const m = fromPython(kind, params);
      const py = ref.names[i]!;
      expect(m.name).toBe(py.name);
      expect(m.describe()).toBe(py.repr);
      const config = m.getConfig();
      expect(config.name).toBe(py.config.name);
      expect(config.canonicalName).toBe(py.config.canonical_name);
      expect(config.k).toBe(py.config.k);
      expect(config.distanceThreshold).toBe(py.config.distance_threshold);
      if ('r' in py.config) {
        expect(config.r).toEqual(py.config.r);
        expect(config.clipAtR).toBe(py.config.clip_at_r);
      }
    });
  });
});
