import { matrixRow, ShapeError, toMatrix, ValueError, vectorAsMatrix } from '../src';

describe('toMatrix', () => {
  it('copies rows into one row-major Float32Array', () => {
    const m = toMatrix([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(matrixRow(m, 1))).toEqual([4, 5, 6]);
  });

  it('uses a Matrix as is, without copying', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const m = toMatrix({ data, rows: 2, cols: 2 });
    expect(m.data).toBe(data);
    expect(matrixRow(m, 1).buffer).toBe(data.buffer);
  });

  it('names the problem in bad input', () => {
    expect(() => toMatrix([[1, 2], [3]], { name: 'queries' })).toThrow(
      new ShapeError('queries: row 1 has 1 values, expected 2 like row 0'),
    );
    expect(() => toMatrix([[1, 2]], { name: 'queries', cols: 3 })).toThrow('queries has dimension 2, expected 3');
    expect(() => toMatrix([], { name: 'queries' })).toThrow('queries is empty');
    expect(() => toMatrix([[1, Number.NaN]], { name: 'x' })).toThrow(
      new ValueError('x contains NaN at row 0, column 1; values must be finite'),
    );
    expect(() => toMatrix([[1], [Number.POSITIVE_INFINITY]], { name: 'x' })).toThrow('Infinity at row 1, column 0');
    expect(() => toMatrix({ data: new Float32Array(5), rows: 2, cols: 2 }, { name: 'm' })).toThrow(
      'm: data of length 5 does not hold 2 x 2 values',
    );
  });

  it('accepts empty input when allowed, and NaN when finiteness is not required', () => {
    expect(toMatrix([], { allowEmpty: true, cols: 4 })).toEqual({ data: new Float32Array(0), rows: 0, cols: 4 });
    expect(Number.isNaN(toMatrix([[Number.NaN]], { finite: false }).data[0])).toBe(true);
  });

  it('wraps a vector as a one-row matrix', () => {
    const v = new Float32Array([1, 2]);
    const m = vectorAsMatrix(v);
    expect(m.rows).toBe(1);
    expect(m.data).toBe(v);
  });
});
