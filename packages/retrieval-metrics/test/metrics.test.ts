import { ShapeError, ValueError } from '@tfsim/utils';

import { BNDCG, computeMatchMask, MapAtK, PrecisionAtK, pythonFloat, RecallAtK } from '../src';

// DESIGN.md section 4 and the Python library's tests
const queryLabels = [1, 1, 1, 0];
const matchMask = [
  [true, true, false],
  [true, true, false],
  [true, true, false],
  [false, false, true],
];
const lookupDistances = [
  [0.0, 0.1, 0.2],
  [0.0, 0.1, 0.2],
  [0.0, 0.1, 0.2],
  [0.0, 0.1, 0.2],
];

describe('reference values (DESIGN.md section 4)', () => {
  it('RecallAtK(k=2): micro 0.75, macro 0.5', () => {
    expect(new RecallAtK({ k: 2 }).compute({ queryLabels, matchMask })).toBe(0.75);
    expect(new RecallAtK({ k: 2, average: 'macro' }).compute({ queryLabels, matchMask })).toBe(0.5);
  });

  it('PrecisionAtK(k=3): micro 0.583333, macro 0.5', () => {
    expect(new PrecisionAtK({ k: 3 }).compute({ queryLabels, matchMask })).toBeCloseTo(0.583333, 5);
    expect(new PrecisionAtK({ k: 3, average: 'macro' }).compute({ queryLabels, matchMask })).toBeCloseTo(0.5, 6);
  });

  it('BNDCG(k=2): micro 0.75, macro 0.5; k=3 within distance 0.1: 0.75', () => {
    expect(new BNDCG({ k: 2 }).compute({ queryLabels, matchMask, lookupDistances })).toBeCloseTo(0.75, 6);
    expect(new BNDCG({ k: 2, average: 'macro' }).compute({ queryLabels, matchMask, lookupDistances })).toBeCloseTo(0.5, 6);
    expect(new BNDCG({ k: 3, distanceThreshold: 0.1 }).compute({ queryLabels, matchMask, lookupDistances })).toBeCloseTo(0.75, 6);
    expect(new BNDCG({ k: 2 }).distanceThreshold).toBe(Infinity);
  });

  it('MapAtK(r={0:10, 1:3}, k=3): 0.50833333', () => {
    expect(new MapAtK({ r: { 0: 10, 1: 3 }, k: 3 }).compute({ queryLabels, matchMask })).toBeCloseTo(0.50833333332, 6);
    // r as a Map works the same
    expect(
      new MapAtK({
        r: new Map([
          [0, 10],
          [1, 3],
        ]),
        k: 3,
      }).compute({ queryLabels, matchMask }),
    ).toBeCloseTo(0.50833333, 6);
  });

  it('MapAtK clipAtR (MAP@R): 0.03125', () => {
    const mask = [
      [false, false, false, true],
      [false, false, false, true],
    ];
    expect(new MapAtK({ r: { 0: 4, 1: 3 }, k: 4, clipAtR: true }).compute({ queryLabels: [0, 1], matchMask: mask })).toBeCloseTo(
      0.03125,
      7,
    );
  });

  it('the match mask can be derived from lookup labels', () => {
    const lookupLabels = [
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 0],
      [1, 1, 0],
    ];
    expect(Array.from(computeMatchMask(queryLabels, lookupLabels).data)).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1]);
    expect(new RecallAtK({ k: 2 }).compute({ queryLabels, lookupLabels })).toBe(0.75);
  });
});

describe('names and configs', () => {
  it('follow the Python library', () => {
    const m = new MapAtK({ r: { 1: 4, 0: 4 } });
    expect(m.name).toBe('map@5');
    m.distanceThreshold = 0.1;
    expect(m.name).toBe('map@5 : distance_threshold@0.1');
    expect(m.describe()).toBe('map@k : map@5 : distance_threshold@0.1');
    expect(m.getConfig()).toEqual({
      name: 'map@5 : distance_threshold@0.1',
      canonicalName: 'map@k',
      k: 5,
      distanceThreshold: 0.1,
      r: { 1: 4, 0: 4 },
      clipAtR: false,
    });
    expect(new PrecisionAtK({ r: { 1: 2 }, clipAtR: true }).name).toBe('precision');
    expect(String(new RecallAtK({ k: 6, name: 'foo' }))).toBe('foo@6');
  });

  it('pythonFloat writes floats as Python does', () => {
    expect([0.1, 1, 2.5, 1e-5, 0.0001, 1e16, 123456.789, 1.5e-7].map(pythonFloat)).toEqual([
      '0.1',
      '1.0',
      '2.5',
      '1e-05',
      '0.0001',
      '1e+16',
      '123456.789',
      '1.5e-07',
    ]);
  });
});

describe('bad input', () => {
  it('fewer neighbours than k', () => {
    expect(() =>
      new RecallAtK({ k: 5 }).compute({
        queryLabels: [1, 1],
        matchMask: [
          [1, 1, 0, 0],
          [1, 0, 0, 1],
        ],
      }),
    ).toThrow('The number of neighbors must be >= K. Number of neighbors is 4 but K is 5.');
  });

  it('lookup sets and query labels of different lengths', () => {
    expect(() =>
      new RecallAtK({ k: 4 }).compute({
        queryLabels: [1, 2, 3, 4],
        matchMask: [
          [1, 1, 0, 0],
          [1, 0, 0, 1],
        ],
      }),
    ).toThrow(
      'The number of lookup sets must equal the number of query labels. Number of lookup sets is 2 but the number of query labels is 4.',
    );
    expect(() =>
      new BNDCG({ k: 3 }).compute({ queryLabels: [1, 2, 3, 4], matchMask, lookupDistances: lookupDistances.slice(0, 2) }),
    ).toThrow(
      'The number of lookup distance rows must equal the number of query labels. Number of lookup distance rows is 2 but the number of query labels is 4.',
    );
  });

  it('macro MAP, bad k, bad average, missing mask', () => {
    expect(() => new MapAtK({ average: 'macro' })).toThrow('Mean Average Precision only supports micro averaging.');
    expect(() => new RecallAtK({ k: 0 })).toThrow(ValueError);
    expect(() => new RecallAtK({ average: 'weighted' as never })).toThrow(/micro/);
    expect(() => new RecallAtK().compute({ queryLabels: [1] })).toThrow(/matchMask or lookupLabels/);
    expect(() => new RecallAtK({ k: 1 }).compute({ queryLabels: [], matchMask: [] })).toThrow(ShapeError);
    expect(() => new RecallAtK({ k: 1 }).compute({ queryLabels: [1, 2], matchMask: [[1], [1, 0]] })).toThrow(/row 1 has 2 values/);
  });
});
