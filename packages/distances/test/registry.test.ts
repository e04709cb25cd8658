import { UnknownNameError, ValueError } from '@tfsim/utils';

import {
  canonicalDistanceName,
  CosineDistance,
  deserializeDistance,
  distanceAliases,
  fromPythonConfig,
  getDistance,
  serializeDistance,
} from '../src';

const ALIASES: Record<string, string[]> = {
  inner_product: ['inner_product', 'ip', 'innerproductsimilarity'],
  cosine: ['cosine', 'cosinedistance'],
  euclidean: ['euclidean', 'euclideandistance', 'l2', 'pythagorean'],
  squared_euclidean: ['squared_euclidean', 'squaredeuclideandistance', 'sql2', 'sqeuclidean'],
  manhattan: ['manhattan', 'manhattandistance', 'l1', 'taxicab'],
  snr: ['snr', 'snrdistance', 'signal-to-noise-ratio'],
};

describe('getDistance', () => {
  it.each(Object.entries(ALIASES))('finds %s by every alias of the Python library, any case', (name, aliases) => {
    for (const alias of aliases) {
      expect(getDistance(alias).name).toBe(name);
      expect(getDistance(alias.toUpperCase()).name).toBe(name);
      expect(canonicalDistanceName(alias)).toBe(name);
    }
    expect(getDistance(name).aliases).toEqual(aliases);
  });

  it('accepts exactly the Python aliases, no more', () => {
    expect(distanceAliases().sort()).toEqual(Object.values(ALIASES).flat().sort());
  });

  it('says which distances are similarities', () => {
    expect(getDistance('ip').isSimilarity).toBe(true);
    for (const name of ['cosine', 'l2', 'sql2', 'l1', 'snr']) expect(getDistance(name).isSimilarity).toBe(false);
  });

  it('returns an instance as is, and reads a config', () => {
    const cosine = new CosineDistance();
    expect(getDistance(cosine)).toBe(cosine);
    expect(getDistance({ name: 'L2' }).name).toBe('euclidean');
  });

  it('rejects an unknown name with UnknownNameError listing the known ones', () => {
    expect(() => getDistance('hamming')).toThrow(UnknownNameError);
    expect(() => getDistance('hamming')).toThrow(
      'unknown distance "hamming"; known distances: inner_product, cosine, euclidean, squared_euclidean, manhattan, snr',
    );
    expect(() => getDistance(42 as unknown as string)).toThrow(ValueError);
  });
});

describe('serializeDistance / deserializeDistance', () => {
  it('round-trips every distance through JSON by canonical name', () => {
    for (const [name, aliases] of Object.entries(ALIASES)) {
      const config = serializeDistance(aliases[aliases.length - 1]!);
      expect(config).toEqual({ name });
      expect(deserializeDistance(JSON.parse(JSON.stringify(config))).name).toBe(name);
      expect(deserializeDistance(JSON.stringify(config)).name).toBe(name);
      expect(deserializeDistance(name).name).toBe(name);
      expect(getDistance(name).getConfig()).toEqual({ name });
    }
  });

  it('rejects a config without a name, or bad JSON', () => {
    expect(() => deserializeDistance({} as { name: string })).toThrow('a distance config is an object with a string "name"');
    expect(() => deserializeDistance('{not json')).toThrow('not valid JSON');
    expect(() => deserializeDistance({ name: 'nope' })).toThrow(UnknownNameError);
  });
});

describe('Python and Keras configs', () => {
  // What the Python library's Distance.get_config() returns, and Keras' serialize_keras_object around it.
  const PYTHON = [
    ['CosineDistance', 'cosine'],
    ['EuclideanDistance', 'euclidean'],
    ['SquaredEuclideanDistance', 'squared_euclidean'],
    ['InnerProductSimilarity', 'inner_product'],
    ['ManhattanDistance', 'manhattan'],
    ['SNRDistance', 'snr'],
  ] as const;

  it.each(PYTHON)('%s: from get_config(), from Keras {class_name, config}, and by fromPythonConfig', (className, name) => {
    expect(getDistance({ name }).name).toBe(name);
    expect(deserializeDistance({ class_name: `Similarity>${className}`, config: { name } }).name).toBe(name);
    expect(deserializeDistance(JSON.stringify({ class_name: className, config: { name } })).name).toBe(name);
    expect(getDistance({ class_name: className, config: { name: 'renamed_in_python' } }).name).toBe(name);
    expect(fromPythonConfig(className, { name }).name).toBe(name);
    expect(fromPythonConfig(name).name).toBe(name);
  });

  it('a Keras cosine distance computes the Python reference values', () => {
    const cosine = deserializeDistance({ class_name: 'Similarity>CosineDistance', config: { name: 'cosine' } });
    const values = cosine.pairwise(
      [
        [0, 0],
        [0, 1],
        [1, 1],
        [3, 0],
      ],
      [
        [0, 1],
        [1, 1],
        [3, 0],
      ],
    );
    expect(Array.from(values).map((v) => Math.round(v) + 0)).toEqual([1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0]);
  });

  it('an unknown config key is an error with a suggestion', () => {
    expect(() => getDistance({ name: 'cosine', nmae: 'x' } as never)).toThrow(
      "unknown option 'nmae' for a distance config; did you mean 'name'?",
    );
    expect(() => fromPythonConfig('CosineDistance', { name: 'cosine', normalize: true })).toThrow(
      "unknown option 'normalize' for CosineDistance; known options: name",
    );
  });
});
