import { ShapeError, toLabel, toLabels, toMatrix, toRows, toVector, ValueError } from '../src';

describe('toMatrix: numbers are finite values of type number', () => {
  it.each([
    ['null', null, 'null'],
    ["the string '1'", '1', "'1' (a string)"],
    ['a boolean', true, 'true'],
    ['the empty string', '', "'' (a string)"],
    ['undefined', undefined, 'undefined'],
  ])('rejects %s, naming the argument, the call and the position', (_what, bad, shown) => {
    expect(() =>
      toMatrix(
        [
          [1, 2],
          [3, bad as never],
        ],
        { name: 'queries', op: 'Indexer.batchLookup' },
      ),
    ).toThrow(new ValueError(`queries (Indexer.batchLookup) contains ${shown} at row 1, column 1; values must be finite`));
  });

  it('copies a Matrix only when asked, so kept values cannot change under the caller', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const kept = toMatrix({ data, rows: 2, cols: 2 }, { copy: true });
    data[0] = 99;
    expect(Array.from(kept.data)).toEqual([1, 2, 3, 4]);
    expect(toMatrix({ data, rows: 2, cols: 2 }).data).toBe(data);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('rejects %s in float rows used as they are, naming the first bad position', (shown, bad) => {
    for (const Ctor of [Float32Array, Float64Array]) {
      const data = new Ctor(3 * 4).fill(0.5);
      data[7] = bad;
      data[10] = Number.NaN;
      const dtype = Ctor === Float32Array ? 'float32' : 'float64';
      expect(() => toRows({ data, rows: 3, cols: 4 }, { name: 'queries', dtype })).toThrow(
        new ValueError(`queries contains ${shown} at row 1, column 3; values must be finite`),
      );
      // the same values are fine under a rule that takes them
      expect(toRows({ data, rows: 3, cols: 4 }, { rule: 'any', dtype }).data).toBe(data);
    }
  });

  it('float rows used as they are under the rule number: NaN rejected at its position, Infinity kept', () => {
    const data = new Float32Array([0.5, Infinity, -Infinity, 2]);
    expect(toRows({ data, rows: 2, cols: 2 }, { rule: 'number', name: 'd' }).data).toBe(data);
    data[3] = Number.NaN;
    expect(() => toRows({ data, rows: 2, cols: 2 }, { rule: 'number', name: 'd' })).toThrow(
      new ValueError('d contains NaN at row 1, column 1; values must be numbers (not NaN)'),
    );
  });

  it('reads {data, rows, cols} with a plain array under the same rule', () => {
    expect(Array.from(toMatrix({ data: [1, 2, 3, 4], rows: 2, cols: 2 } as never).data)).toEqual([1, 2, 3, 4]);
    expect(() => toMatrix({ data: [1, null, 3, 4], rows: 2, cols: 2 } as never, { name: 'm' })).toThrow(
      'm contains null at row 0, column 1',
    );
  });

  it('rejects a row that is a string or not an array', () => {
    expect(() => toMatrix(['ab', 'cd'] as never, { name: 'x' })).toThrow(ShapeError);
    expect(() => toMatrix([[1], 5] as never, { name: 'x' })).toThrow('x must be a 2D array of rows: row 1 is 5');
    expect(() => toMatrix(null as never, { name: 'x', op: 'f' })).toThrow('x (f) must be an array of rows or {data, rows, cols}, got null');
  });
});

describe('toRows: one parser, one rule per kind of value', () => {
  it('distances: NaN rejected, Infinity kept, float32', () => {
    const d = toRows([[0.5, Infinity]], { rule: 'number', name: 'lookupDistances' });
    expect(d.data).toBeInstanceOf(Float32Array);
    expect(Array.from(d.data)).toEqual([0.5, Infinity]);
    expect(() => toRows([[NaN]], { rule: 'number', name: 'd' })).toThrow(
      'd contains NaN at row 0, column 0; values must be numbers (not NaN)',
    );
  });

  it('labels: safe integers into float64', () => {
    const l = toRows([[2 ** 40, -3]], { rule: 'label', dtype: 'float64' });
    expect(l.data).toBeInstanceOf(Float64Array);
    expect(Array.from(l.data)).toEqual([2 ** 40, -3]);
    expect(() => toRows([[1.5]], { rule: 'label', name: 'lookupLabels' })).toThrow(
      new ValueError('lookupLabels contains 1.5 at row 0, column 0; labels must be safe integers'),
    );
    expect(() => toRows([[2 ** 53]], { rule: 'label' })).toThrow(ValueError);
  });

  it('masks: booleans or 0/1 into uint8', () => {
    expect(
      Array.from(
        toRows(
          [
            [true, false],
            [1, 0],
          ],
          { rule: 'mask', dtype: 'uint8' },
        ).data,
      ),
    ).toEqual([1, 0, 1, 0]);
    expect(() => toRows([[2]], { rule: 'mask', name: 'matchMask' })).toThrow('matchMask contains 2 at row 0, column 0');
  });

  it('checks the dimension and the declared shape of flat data', () => {
    expect(() => toRows([[1, 2]], { cols: 3, name: 'q' })).toThrow(new ShapeError('q has dimension 2, expected 3'));
    expect(() => toRows({ data: [1, 2, 3], rows: 2, cols: 2 })).toThrow('data of length 3 does not hold 2 x 2 values');
  });
});

describe('toVector and toLabels', () => {
  it('thresholds: numbers only', () => {
    expect(() => toVector(['0.5'], { rule: 'number', name: 'distanceThresholds' })).toThrow(
      new ValueError("distanceThresholds[0] is '0.5' (a string); values must be numbers (not NaN)"),
    );
  });

  it('labels: safe integers, a column read as a vector, the length checked', () => {
    expect(Array.from(toLabels([[3], [4]]))).toEqual([3, 4]);
    expect(() => toLabels([0, 0.5], { name: 'targetLabels', op: 'calibrate' })).toThrow(
      new ValueError('targetLabels[1] (calibrate) is 0.5; labels must be safe integers'),
    );
    for (const bad of ['1', NaN, null, true]) expect(() => toLabels([bad])).toThrow(ValueError);
    expect(() => toLabels([1, 2], { expected: { length: 3, of: 'embeddings' } })).toThrow(
      new ShapeError('labels has 2 entries but there are 3 embeddings'),
    );
  });

  it('nullable labels keep null for unlabelled records', () => {
    expect(toLabels([1, null, undefined], { nullable: true })).toEqual([1, null, null]);
    expect(toLabel(undefined, { nullable: true })).toBeNull();
    expect(() => toLabel(2.5, { nullable: true, name: 'label' })).toThrow('label is 2.5; labels must be safe integers or null');
  });
});
