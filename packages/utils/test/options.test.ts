import {
  camelToSnake,
  checkOptions,
  fromPythonKeys,
  type OptionKeys,
  readSerializedObject,
  snakeToCamel,
  suggestOption,
  UnknownOptionError,
  ValueError,
} from '../src';

interface TripletLike {
  distance?: string;
  positiveMiningStrategy?: string;
  negativeMiningStrategy?: string;
  margin?: number | null;
  name?: string;
}

const KEYS: OptionKeys<TripletLike> = {
  distance: true,
  positiveMiningStrategy: true,
  negativeMiningStrategy: true,
  margin: true,
  name: true,
};

// The key list is checked against the type at compile time (pnpm typecheck runs the tests too).
// @ts-expect-error a missing key does not compile
const missingKey: OptionKeys<TripletLike> = { distance: true, positiveMiningStrategy: true, negativeMiningStrategy: true, margin: true };
// @ts-expect-error an extra key does not compile
const extraKey: OptionKeys<TripletLike> = { ...KEYS, temperature: true };
void [missingKey, extraKey];

describe('checkOptions', () => {
  it('accepts undefined, an empty object, known keys, and any key whose value is undefined (it sets nothing)', () => {
    expect(() => checkOptions(undefined, KEYS, 'TripletLoss')).not.toThrow();
    expect(() => checkOptions({}, KEYS, 'TripletLoss')).not.toThrow();
    expect(() => checkOptions({ margin: 1, name: undefined }, KEYS, 'TripletLoss')).not.toThrow();
    expect(() => checkOptions({ margin: 1, clipAtR: undefined }, KEYS, 'TripletLoss')).not.toThrow();
    expect(() => checkOptions({ margin: 1, clipAtR: null }, KEYS, 'TripletLoss')).toThrow(UnknownOptionError);
    expect(() => checkOptions(Object.create(null) as TripletLike, KEYS, 'TripletLoss')).not.toThrow();
  });

  it('suggests the camelCase name of a Python option', () => {
    const call = () => checkOptions({ positive_mining_strategy: 'easy' } as TripletLike, KEYS, 'TripletLoss');
    expect(call).toThrow(UnknownOptionError);
    expect(call).toThrow(ValueError);
    expect(call).toThrow("unknown option 'positive_mining_strategy' for TripletLoss; did you mean 'positiveMiningStrategy'?");
  });

  it('suggests the closest name for a typo, and lists the known names when nothing is close', () => {
    expect(() => checkOptions({ margn: 1 } as TripletLike, KEYS, 'TripletLoss')).toThrow(
      "unknown option 'margn' for TripletLoss; did you mean 'margin'?",
    );
    expect(() => checkOptions({ temperature: 1 } as TripletLike, KEYS, 'TripletLoss')).toThrow(
      "unknown option 'temperature' for TripletLoss; known options: distance, positiveMiningStrategy, negativeMiningStrategy, margin, name",
    );
    try {
      checkOptions({ Margin: 1 } as TripletLike, KEYS, 'X');
      throw new Error('not thrown');
    } catch (err) {
      expect(err).toBeInstanceOf(UnknownOptionError);
      expect((err as UnknownOptionError).option).toBe('Margin');
      expect((err as UnknownOptionError).suggestion).toBe('margin');
      expect((err as UnknownOptionError).owner).toBe('X');
    }
  });

  it('rejects what is not a plain object', () => {
    for (const bad of [3, 'cosine', null, [1], new Map()]) {
      expect(() => checkOptions(bad as unknown as TripletLike, KEYS, 'TripletLoss')).toThrow(/TripletLoss takes an options object/);
    }
  });
});

describe('name conversions', () => {
  it('maps Python names both ways', () => {
    expect(snakeToCamel('positive_mining_strategy')).toBe('positiveMiningStrategy');
    expect(snakeToCamel('lambda_')).toBe('lambda');
    expect(snakeToCamel('std_const')).toBe('stdConst');
    expect(snakeToCamel('k')).toBe('k');
    expect(camelToSnake('positiveMiningStrategy')).toBe('positive_mining_strategy');
    expect(suggestOption('nlist', ['nList', 'nprobe'])).toBe('nList');
    expect(suggestOption('zzzzzz', ['nlist', 'nprobe'])).toBeUndefined();
  });

  it('fromPythonKeys renames every key, and refuses two keys for one option', () => {
    expect(fromPythonKeys({ lambda_: 0.01, std_const: 1e-4, mu: 25 }, 'VicReg')).toEqual({ lambda: 0.01, stdConst: 1e-4, mu: 25 });
    expect(fromPythonKeys({ kv_store: 'memory' }, 'Indexer', { kv_store: 'store' })).toEqual({ store: 'memory' });
    expect(() => fromPythonKeys({ lambda_: 1, lambda: 2 }, 'Barlow')).toThrow(/both mean 'lambda'/);
  });

  it('reads Keras and our serialized objects', () => {
    expect(readSerializedObject({ class_name: 'TripletLoss', config: { margin: 1 } })).toEqual({
      className: 'TripletLoss',
      config: { margin: 1 },
    });
    expect(readSerializedObject({ className: 'cosine' })).toEqual({ className: 'cosine', config: {} });
    expect(readSerializedObject({ class_name: 'Similarity>CosineDistance', config: { name: 'cosine' } })).toEqual({
      className: 'CosineDistance',
      config: { name: 'cosine' },
    });
    expect(readSerializedObject({ name: 'cosine' })).toBeUndefined();
    expect(readSerializedObject('cosine')).toBeUndefined();
    expect(() => readSerializedObject({ class_name: 'X', config: 3 })).toThrow(/config of a serialized X must be an object/);
  });
});
