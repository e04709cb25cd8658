import * as main from '../src';
import { canonicalDistanceName, distanceAliases, distanceNames, getDistance, isRowDistance, type RowDistance } from '../src/rows';

describe('the rows entry (index side, no tfjs types)', () => {
  it('gives the distances of the main entry, by name, alias or config', () => {
    expect(getDistance('l2')).toBeInstanceOf(main.EuclideanDistance);
    expect(getDistance({ name: 'Cosine' }).name).toBe('cosine');
    expect(getDistance('l2').between([0, 0], [3, 4])).toBeCloseTo(5, 6);
  });

  it('returns a row-only distance as is, and refuses what is not one', () => {
    const rowOnly: RowDistance = {
      name: 'custom',
      aliases: ['custom'],
      isSimilarity: false,
      pairwise: () => new Float32Array(0),
      between: () => 0,
      getConfig: () => ({ name: 'custom' }),
    };
    expect(isRowDistance(rowOnly)).toBe(true);
    expect(getDistance(rowOnly)).toBe(rowOnly);
    expect(isRowDistance({ name: 'cosine' })).toBe(false);
    expect(() => getDistance('nope')).toThrow(/nope/);
  });

  it('lists names as the main entry does', () => {
    expect(canonicalDistanceName('l2')).toBe('euclidean');
    expect(distanceNames()).toEqual(main.distanceNames());
    expect(distanceAliases()).toEqual(main.distanceAliases());
  });
});
